/**
 * Run-time backend choice. Order: `tensorflow` (@tensorflow/tfjs-node-gpu, else @tensorflow/tfjs-node, when they
 * resolve and load), then `wasm` (with our kernel patches), then `cpu`. Override with `initBackend({backend})` or
 * the `OPEN_RS_BACKEND` environment variable (argument first); an overridden backend that fails to start is an
 * error, never a silent fallback.
 *
 * One tfjs-core: every backend must register with the same @tensorflow/tfjs-core instance our model code uses.
 * tfjs-node imports @tensorflow/tfjs (which re-exports tfjs-core) and registers its `tensorflow` backend and
 * kernels there. tfjs-core keeps its engine and kernel registry on the global object, so a second copy would
 * half-share state with ours (same registry, different Tensor classes): wrong at best. So before loading
 * tfjs-node we resolve tfjs-core from tfjs-node's own directory (directly and through @tensorflow/tfjs) and
 * skip it, saying why, unless that is the very file we resolve. npm dedupes them when tfjs-node's version equals
 * our pinned tfjs-core (4.22.0): environment.md tells users to install that exact version.
 */
import { availableParallelism } from "node:os";
import { dirname } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { installWasmKernels } from "./wasm-kernels";

/** Backends in preference order. */
export const BACKEND_NAMES = ["tensorflow", "wasm", "cpu"] as const;
/** A backend this library can run on. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Native packages providing the `tensorflow` backend, in preference order. */
export const TENSORFLOW_PACKAGES: readonly string[] = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"];

/** What `initBackend` chose and why the others were not used. */
export interface BackendInfo {
  chosen: BackendName;
  /** The native package behind `tensorflow`, when chosen. */
  package: string | null;
  /** Compute threads: wasm's pool size, 1 for cpu, the CPU count for tensorflow (TF's intra-op default). */
  threads: number;
  /** WASM SIMD in use (wasm only; null for the others). */
  simd: boolean | null;
  /** Backends (or native packages) passed over, with the reason. */
  skipped: Array<{ name: string; reason: string }>;
}

/** Options for `initBackend`. */
export interface InitBackendOptions {
  /** Force a backend; default `process.env.OPEN_RS_BACKEND`, else automatic. */
  backend?: BackendName;
}

/** Outcome of probing one native package. */
export type ProbeResult = { ok: true } | { ok: false; reason: string };

function errMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}

function resolveFrom(request: string, fromDir: string): string | null {
  try {
    return require.resolve(request, { paths: [fromDir] });
  } catch {
    return null;
  }
}

/**
 * Check that `pkg` resolves (searching `searchPaths`, default: normal resolution from this file) and that it
 * would register with our own @tensorflow/tfjs-core. Does not load it.
 */
export function probeTensorflowPackage(pkg: string, searchPaths?: string[]): ProbeResult & { dir?: string } {
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${pkg}/package.json`, searchPaths ? { paths: searchPaths } : undefined);
  } catch {
    return { ok: false, reason: `${pkg} is not installed (see environment.md)` };
  }
  const dir = dirname(pkgJson);
  const ours = require.resolve("@tensorflow/tfjs-core");
  const viaTfjs = resolveFrom("@tensorflow/tfjs", dir);
  const candidates = [
    resolveFrom("@tensorflow/tfjs-core", dir),
    viaTfjs && resolveFrom("@tensorflow/tfjs-core", dirname(viaTfjs)),
  ];
  for (const theirs of candidates) {
    if (theirs !== null && theirs !== ours) {
      return {
        ok: false,
        reason: `${pkg} would use its own @tensorflow/tfjs-core (${theirs}), not ours (${ours}); install the version matching @tensorflow/tfjs-core 4.22.0 so npm dedupes them`,
      };
    }
  }
  return { ok: true, dir };
}

/** Load a native tfjs package from `dir` (it registers the `tensorflow` backend) and switch to it. */
export async function startTensorflow(pkg: string, dir: string): Promise<ProbeResult> {
  try {
    require(dir);
  } catch (err) {
    return { ok: false, reason: `${pkg} failed to load: ${errMessage(err)}` };
  }
  if (tf.findBackendFactory("tensorflow") == null)
    return { ok: false, reason: `${pkg} loaded but registered no "tensorflow" backend` };
  if (!(await tf.setBackend("tensorflow")))
    return { ok: false, reason: `${pkg}: the tensorflow backend failed to initialise` };
  return { ok: true };
}

/**
 * Runs `init` (which starts an emscripten module) and removes the `uncaughtException` / `unhandledRejection`
 * listeners it added. Emscripten's Node glue rethrows from both, so one forgotten `await` on a rejected
 * promise (or any stray exception) would kill the process, a notebook kernel included; without them Node's
 * (or the kernel's) own handling applies.
 */
export async function withoutEmscriptenHandlers<T>(init: () => Promise<T>): Promise<T> {
  const listeners = (e: string) =>
    process.listeners(e as "uncaughtException") as Array<(...a: unknown[]) => void>;
  const events = ["uncaughtException", "unhandledRejection"];
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  try {
    return await init();
  } finally {
    for (const e of events) {
      for (const l of listeners(e)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
    }
  }
}

async function startWasm(): Promise<ProbeResult> {
  try {
    // The backend factory was registered by importing @tensorflow/tfjs-backend-wasm above.
    if (!(await withoutEmscriptenHandlers(() => tf.setBackend("wasm"))))
      return { ok: false, reason: "tfjs-backend-wasm failed to initialise (see the warning above)" };
  } catch (err) {
    return { ok: false, reason: `tfjs-backend-wasm failed: ${errMessage(err)}` };
  }
  if (!installWasmKernels()) return { ok: false, reason: "the wasm kernel patches could not be installed" };
  return { ok: true };
}

async function startCpu(): Promise<ProbeResult> {
  return (await tf.setBackend("cpu"))
    ? { ok: true }
    : { ok: false, reason: "the cpu backend failed to initialise" };
}

/** Try the tensorflow packages in order; records each skip in `skipped`. */
async function tryTensorflow(skipped: BackendInfo["skipped"]): Promise<string | null> {
  for (const pkg of TENSORFLOW_PACKAGES) {
    const probe = probeTensorflowPackage(pkg);
    const started = probe.ok ? await startTensorflow(pkg, probe.dir as string) : probe;
    if (started.ok) return pkg;
    skipped.push({ name: `tensorflow (${pkg})`, reason: started.reason });
  }
  return null;
}

async function describeChosen(
  chosen: BackendName,
  pkg: string | null,
  skipped: BackendInfo["skipped"],
): Promise<BackendInfo> {
  if (chosen === "wasm") {
    const simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
    return { chosen, package: null, threads: getThreadsCount(), simd, skipped };
  }
  const threads = chosen === "tensorflow" ? availableParallelism() : 1;
  return { chosen, package: pkg, threads, simd: null, skipped };
}

/** Parse a backend name (from an argument or OPEN_RS_BACKEND); throws listing the valid names. */
export function parseBackendName(value: string, source: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new Error(
    `${source}=${JSON.stringify(value)} is not a backend; use one of ${BACKEND_NAMES.join(", ")}`,
  );
}

async function select(forced: BackendName | null): Promise<BackendInfo> {
  const skipped: BackendInfo["skipped"] = [];
  const starters: Record<Exclude<BackendName, "tensorflow">, () => Promise<ProbeResult>> = {
    wasm: startWasm,
    cpu: startCpu,
  };
  for (const name of BACKEND_NAMES) {
    if (forced !== null && name !== forced) {
      skipped.push({ name, reason: `not requested (backend forced to ${forced})` });
      continue;
    }
    if (name === "tensorflow") {
      const pkg = await tryTensorflow(skipped);
      if (pkg !== null) return describeChosen(name, pkg, skipped);
    } else {
      const r = await starters[name]();
      if (r.ok) return describeChosen(name, null, skipped);
      skipped.push({ name, reason: r.reason });
    }
    if (forced !== null) {
      throw new Error(
        `backend "${forced}" was forced but could not start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")}`,
      );
    }
  }
  throw new Error(`no backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")}`);
}

const selections = new Map<string, Promise<BackendInfo>>();
let current: BackendInfo | null = null;

/**
 * Choose and start the backend (see the module doc). Idempotent: repeated calls with the same request return the
 * same info without re-initialising; a different explicit request switches backend.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const env = process.env.OPEN_RS_BACKEND;
  const forced =
    opts.backend !== undefined
      ? parseBackendName(opts.backend, "backend")
      : env !== undefined && env !== ""
        ? parseBackendName(env, "OPEN_RS_BACKEND")
        : null;
  const key = forced ?? "auto";
  let pending = selections.get(key);
  if (pending === undefined) {
    pending = select(forced);
    selections.set(key, pending);
    pending.catch(() => selections.delete(key));
  }
  current = await pending;
  if (tf.getBackend() !== current.chosen) await tf.setBackend(current.chosen);
  return current;
}

/** What the last `initBackend` chose, or null before any. */
export function describeBackendsIfChosen(): BackendInfo | null {
  return current;
}

/** What the last `initBackend` chose; throws if it has not run yet. */
export function describeBackends(): BackendInfo {
  if (current === null) throw new Error("no backend chosen yet: call `await initBackend()` first");
  return current;
}

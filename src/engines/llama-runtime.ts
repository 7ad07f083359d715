/**
 * Loading llama.cpp through node-llama-cpp (an ES module, imported lazily so that nothing else pays for it):
 * one `Llama` per GPU choice and thread count, prebuilt binaries only (never a source build or a download),
 * and what `open-rs info` reports about CPU, CUDA, Vulkan and Metal.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Llama, LlamaLogLevel } from "node-llama-cpp";

/** Which llama.cpp build to use: "auto" = the best GPU found (else CPU), or one explicitly. */
export type LlamaGpuChoice = "auto" | "cpu" | "cuda" | "vulkan" | "metal";

/** The node-llama-cpp module (loaded once). */
export type NodeLlamaCpp = typeof import("node-llama-cpp");

let modulePromise: Promise<NodeLlamaCpp> | null = null;

/**
 * A real ES `import()` of an absolute file URL. Written through `Function` so that no compiler turns it into
 * `require()`: a notebook kernel compiles this file with TypeScript's CommonJS output, and node-llama-cpp is an
 * ES module that `require()` cannot load (it uses top-level await).
 */
const esmImport = new Function("url", "return import(url)") as (url: string) => Promise<unknown>;

/** Imports node-llama-cpp, with a one-line error naming the fix when it is not installed. */
export function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  const load = async () => {
    const url = pathToFileURL(require.resolve("node-llama-cpp")).href;
    return (await esmImport(url)) as NodeLlamaCpp;
  };
  modulePromise ??= load().catch((err: Error) => {
    modulePromise = null;
    throw new Error(
      `llama.cpp engine unavailable: cannot load node-llama-cpp (${err.message.split("\n")[0]}); run \`npm ci\``,
    );
  });
  return modulePromise;
}

/** Default llama.cpp threads: one per core (llama.cpp's own default of ≥ 4 oversubscribes small machines). */
export function defaultLlamaThreads(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Node's libuv pool runs node-llama-cpp's native calls (decode, sampling). With more pool threads than cores
 * left over, they compete with llama.cpp's spinning compute threads (measured on 2 cores with 2 llama.cpp
 * threads: 25× slower). The pool size is read once, at the pool's first use, from `UV_THREADPOOL_SIZE`; this
 * returns a warning when `threads` llama.cpp threads plus that pool exceed the cores, else null. One llama.cpp
 * thread was not measurably slowed by the default pool of 4.
 */
export function threadpoolWarning(threads: number, env: NodeJS.ProcessEnv = process.env): string | null {
  if (threads <= 1) return null;
  const cores = availableParallelism();
  const raw = env.UV_THREADPOOL_SIZE;
  const size = raw === undefined ? 4 : Number(raw);
  if (Number.isFinite(size) && size + threads <= Math.max(cores, threads + 1)) return null;
  return (
    `UV_THREADPOOL_SIZE is ${raw ?? "unset (libuv uses 4)"} with ${threads} llama.cpp threads on ${cores} cores: ` +
    "llama.cpp may run many times slower; start node with UV_THREADPOOL_SIZE=1"
  );
}

const llamas = new Map<string, Promise<Llama>>();

/** Options of {@link getLlamaRuntime}. */
export interface LlamaRuntimeOptions {
  gpu?: LlamaGpuChoice;
  /** llama.cpp threads (CPU work); default {@link defaultLlamaThreads}. */
  threads?: number;
  /** Minimum llama.cpp log level printed; default "warn". */
  logLevel?: `${LlamaLogLevel}`;
}

/**
 * A shared `Llama` for these options. Prebuilt binaries only (`build: "never"`): a missing binary is an error
 * naming the GPU type, never a download or a compile.
 */
export function getLlamaRuntime(opts: LlamaRuntimeOptions = {}): Promise<Llama> {
  const gpu = opts.gpu ?? "auto";
  const threads = opts.threads ?? defaultLlamaThreads();
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`llama.cpp threads must be an integer ≥ 1, got ${threads}`);
  const key = `${gpu}/${threads}/${opts.logLevel ?? "warn"}`;
  let p = llamas.get(key);
  if (!p) {
    p = (async () => {
      const nlc = await importNodeLlamaCpp();
      try {
        return await nlc.getLlama({
          gpu: gpu === "cpu" ? false : gpu,
          build: "never",
          maxThreads: threads,
          logLevel: (opts.logLevel ?? "warn") as LlamaLogLevel,
          progressLogs: false,
        });
      } catch (err) {
        llamas.delete(key);
        throw new Error(`llama.cpp (${gpu}) could not start: ${(err as Error).message.split("\n")[0]}`);
      }
    })();
    llamas.set(key, p);
  }
  return p;
}

const LINUX_LIB_DIRS = [
  "/usr/lib",
  "/usr/lib64",
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/local/cuda/lib64",
  "/usr/local/cuda/targets/x86_64-linux/lib",
];

function findLib(names: string[], env: NodeJS.ProcessEnv): boolean {
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean),
    ...(env.CUDA_PATH ? [join(env.CUDA_PATH, "lib64")] : []),
    ...LINUX_LIB_DIRS,
  ];
  return dirs.some((d) => names.some((n) => existsSync(join(d, n))));
}

/** One line per llama.cpp build: available or why not. */
export interface LlamaAvailability {
  name: "CPU" | "CUDA" | "Vulkan" | "Metal";
  available: boolean;
  reason: string;
}

/**
 * What llama.cpp can use here, with reasons (the same library checks node-llama-cpp makes before it picks a
 * prebuilt binary, then a dry-run load of each candidate binary). Never throws.
 */
export async function llamaCppAvailability(
  env: NodeJS.ProcessEnv = process.env,
): Promise<LlamaAvailability[]> {
  let nlc: NodeLlamaCpp;
  try {
    nlc = await importNodeLlamaCpp();
  } catch (err) {
    return [{ name: "CPU", available: false, reason: (err as Error).message }];
  }
  const tryLoad = async (gpu: false | "cuda" | "vulkan" | "metal"): Promise<string | null> => {
    try {
      await nlc.getLlama({ gpu, build: "never", dryRun: true, progressLogs: false });
      return null;
    } catch (err) {
      return (err as Error).message.split("\n")[0];
    }
  };
  const out: LlamaAvailability[] = [];
  const cpuErr = await tryLoad(false);
  out.push({
    name: "CPU",
    available: cpuErr === null,
    reason: cpuErr ?? `prebuilt binary for ${process.platform}-${process.arch}`,
  });
  if (process.platform === "darwin") {
    const err = process.arch === "arm64" ? await tryLoad("metal") : "llama.cpp's Metal needs Apple silicon";
    out.push({ name: "Metal", available: err === null, reason: err ?? "prebuilt binary" });
    return out;
  }
  if (process.platform !== "linux" && process.platform !== "win32") return out;
  const gpuReason = async (gpu: "cuda" | "vulkan", missing: string | null) =>
    missing ?? (await tryLoad(gpu)) ?? "prebuilt binary loads";
  let cudaMissing: string | null = null;
  if (process.platform === "linux") {
    if (!findLib(["libnvidia-ml.so", "libnvidia-ml.so.1"], env))
      cudaMissing = "no NVIDIA driver (libnvidia-ml.so not found)";
    else if (
      !findLib(["libcudart.so.12", "libcudart.so.13", "libcudart.so"], env) ||
      !findLib(["libcublas.so.12", "libcublas.so.13", "libcublas.so"], env)
    )
      cudaMissing = "no CUDA runtime (libcudart/libcublas 12 or 13 not found; install the CUDA toolkit)";
  }
  const cuda = await gpuReason("cuda", cudaMissing);
  out.push({ name: "CUDA", available: cuda === "prebuilt binary loads", reason: cuda });
  const vulkanMissing =
    process.platform === "linux" && !findLib(["libvulkan.so.1", "libvulkan.so"], env)
      ? "no Vulkan loader (libvulkan.so.1 not found)"
      : null;
  const vulkan = await gpuReason("vulkan", vulkanMissing);
  out.push({ name: "Vulkan", available: vulkan === "prebuilt binary loads", reason: vulkan });
  return out;
}

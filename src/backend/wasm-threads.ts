/**
 * Opt-in multi-threaded tfjs-backend-wasm in Node (docs/references.md, "threads"). tfjs 4.22 hard-wires
 * `WASM_HAS_MULTITHREAD_SUPPORT` to false in Node (tfjs#3830): its pthread worker is loaded from a Blob URL
 * that Node's workers cannot open, and the C++ caps the pool at half the logical cores. This works around
 * all three, relying on tfjs internals (pinned 4.22.0):
 *  1. the worker script is written to a temp file, with its Blob `importScripts` replaced by the path of the
 *     threaded-SIMD module;
 *  2. `URL.createObjectURL` returns that file for the worker Blob (other Blobs are untouched);
 *  3. `os.cpus()` reports at least 2n CPUs, only while the backend initialises.
 * Only XNNPACK ops (matmul) use the pool; small-model decoding can get slower. The probe measured 1.36–1.51×
 * on training on an idle 2-vCPU box; on a busy one (load ≈ 5 on 2 vCPUs) it was 2.5–4× *slower* than one
 * thread (spinning pool threads fight for the cores), and one m10 benchmark run stalled. Experimental: use only
 * on a machine with idle cores.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import * as wasm from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { installWasmKernels } from "./wasm-kernels";

const BLOB_IMPORT =
  "var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)";

/** Writes the patched pthread worker script and returns its path. */
function writeWorkerScript(): string {
  const pkg = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"));
  const outDir = join(pkg, "wasm-out");
  // The shipped file is a CommonJS module exporting the script as a string (`wasmWorkerContents`); tfjs
  // escapes its newlines before putting it in a Blob, and so do we.
  const mod = require(join(outDir, "tfjs-backend-wasm-threaded-simd.worker.js")) as {
    wasmWorkerContents?: string;
  };
  const src = (mod.wasmWorkerContents ?? "").replace(/\n/g, "\\n");
  if (!src.includes(BLOB_IMPORT)) {
    throw new Error(
      "enableWasmThreads: unexpected tfjs-backend-wasm worker script (not 4.22.0?); threads stay off",
    );
  }
  const threaded = join(outDir, "tfjs-backend-wasm-threaded-simd.js");
  const patched = src.replace(BLOB_IMPORT, `importScripts(${JSON.stringify(threaded)})`);
  const dir = join(os.tmpdir(), "open-rs-ts");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `tfjs-wasm-worker-${wasm.version_wasm}.js`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, patched);
  renameSync(tmp, file); // atomic: concurrent processes never see a half-written worker
  return file;
}

/**
 * Starts the wasm backend with a pool of `threads` (≥ 2) and makes it current. Must run before anything else
 * initialises the wasm backend. Returns the thread count the backend reports.
 */
export async function startThreadedWasm(threads = 2): Promise<number> {
  if (!Number.isInteger(threads) || threads < 2)
    throw new Error(`startThreadedWasm: threads must be ≥ 2, got ${threads}`);
  const worker = writeWorkerScript();
  const origUrl = URL.createObjectURL;
  URL.createObjectURL = (obj: Blob) =>
    obj instanceof Blob && obj.type === "application/javascript" ? worker : origUrl(obj);
  const origCpus = os.cpus;
  const real = origCpus();
  os.cpus = () =>
    real.length >= 2 * threads ? real : Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]);
  try {
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
    wasm.setThreadsCount(threads);
    installWasmKernels();
    if (!(await tf.setBackend("wasm")))
      throw new Error("startThreadedWasm: the wasm backend failed to start");
    await tf.ready();
  } finally {
    os.cpus = origCpus;
  }
  return wasm.getThreadsCount();
}

/**
 * Test helper: registers the cpu and wasm backends (with our kernel patches) and switches between them.
 * Not a test file itself; imported by tests/{backend,model,sampler}.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { installWasmKernels } from "../../src/backend/wasm-kernels";

/** Switches tfjs to `name` ("wasm" gets the patched kernels). */
export async function useBackend(name: "wasm" | "cpu"): Promise<void> {
  installWasmKernels();
  await tf.setBackend(name);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`could not switch tfjs to the ${name} backend`);
}

/** Max |a − b| / max(|b|, floor) over two equal-length arrays. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
  return m;
}

/** Max |a − b| over two equal-length arrays. */
export function maxAbsErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max|a − b| / max|b|: the error relative to the tensor's scale. */
export function scaledErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s = Math.max(s, Math.abs(b[i]));
  return maxAbsErr(a, b) / Math.max(s, 1e-30);
}

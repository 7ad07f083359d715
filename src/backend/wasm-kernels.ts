/**
 * Kernel patches that make tfjs-backend-wasm 4.22.0 fast and complete (docs/references.md,
 * "tfjs-backend-wasm: kernels and fast paths"). select.ts calls {@link installWasmKernels} once after the wasm backend is ready.
 *
 * - `Slice`, `Unpack`, `SplitV`: the stock kernels call `backend.readSync(x)`, which copies the whole input out
 *   of the wasm heap on every slice (an unstack of [16,512,256] took 108 ms). Ours read a heap view instead.
 * - `UnsortedSegmentSum`: missing on wasm; the gradient of `tf.gather` (embedding lookup) needs it.
 * - `Sum` over leading axes (bias and norm-weight gradients, [N, C] → [C]): the stock kernel transposes the
 *   reduced axes to the end first (8 ms for [2048,128]); ours sums rows directly, accumulating in float64.
 * - `Transpose`: the stock kernel is slow on plain 2-D transposes (9 ms for [2048,128]), which every mm2d
 *   backward does to activations and weights. Ours collapses adjacent axes and handles (batched) 2-D
 *   transposes with a blocked JS loop (~4× faster); other permutations go to the stock kernel, fast there.
 *
 * Heap views are taken only after `makeOutput`, because allocating the output may grow (and so detach) the heap.
 */
import * as tf from "@tensorflow/tfjs-core";

/** The subset of tfjs-backend-wasm's BackendWasm that the patched kernels use. */
type HeapView = Float32Array | Int32Array | Uint8Array;

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): HeapView;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

let installed = false;

/** Whether {@link installWasmKernels} has run in this process. */
export function wasmKernelsInstalled(): boolean {
  return installed;
}

/**
 * Replaces Slice/Unpack/SplitV on the `wasm` backend with zero-copy versions and registers a JS
 * UnsortedSegmentSum. Idempotent; a no-op (returns false) when the wasm backend is not registered.
 */
export function installWasmKernels(): boolean {
  if (installed) return true;
  if (tf.findBackendFactory("wasm") == null) return false;
  const stockSlice = tf.getKernel("Slice", "wasm");
  const sliceFn = (args: KernelArgs): tf.TensorInfo => {
    const x = args.inputs.x as tf.TensorInfo;
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    if (x.dtype === "string" && stockSlice) return stockSlice.kernelFunc(args as never) as tf.TensorInfo;
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    return sliceView(args.backend as WasmBackendLike, x, b, s);
  };
  replaceKernel("Slice", sliceFn);
  replaceKernel("Unpack", (args) => unpackKernel(args));
  replaceKernel("SplitV", (args) => splitVKernel(args));
  replaceKernel("UnsortedSegmentSum", (args) => unsortedSegmentSumKernel(args));
  const stockSum = tf.getKernel("Sum", "wasm");
  replaceKernel("Sum", (args) => {
    const out = leadingSumKernel(args);
    if (out) return out;
    if (!stockSum) throw new Error("wasm Sum kernel missing");
    return stockSum.kernelFunc(args as never) as tf.TensorInfo;
  });
  const stockTranspose = tf.getKernel("Transpose", "wasm");
  replaceKernel("Transpose", (args) => {
    const out = transposeKernel(args);
    if (out) return out;
    if (!stockTranspose) throw new Error("wasm Transpose kernel missing");
    return stockTranspose.kernelFunc(args as never) as tf.TensorInfo;
  });
  installed = true;
  return true;
}

function replaceKernel(
  name: string,
  kernelFunc: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[],
): void {
  const stock = tf.getKernel(name, "wasm");
  if (stock != null) tf.unregisterKernel(name, "wasm");
  // Keep the stock setupFunc: other stock kernels (e.g. Sum → transpose) call into the module it initialises.
  tf.registerKernel({
    kernelName: name,
    backendName: "wasm",
    kernelFunc: kernelFunc as tf.KernelFunc,
    setupFunc: stock?.setupFunc,
  });
}

/** Copies x[begin : begin+size] into a new heap tensor, reading x through a heap view (no readSync copy). */
function sliceView(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const n = tf.util.sizeFromShape(size);
  if (n === 0) return out;
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  const strides = tf.util.computeStrides(x.shape);
  const rank = x.shape.length;
  if (rank === 0) {
    ov[0] = xv[0];
    return out;
  }
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const off = tf.slice_util.computeFlatOffset(begin, strides);
    ov.set(xv.subarray(off, off + n));
    return out;
  }
  // Copy contiguous innermost runs, walking the outer index like an odometer.
  const inner = size[rank - 1];
  const idx = new Array(rank - 1).fill(0);
  for (let o = 0; o < n; o += inner) {
    let off = begin[rank - 1];
    for (let d = 0; d < rank - 1; d++) off += (begin[d] + idx[d]) * strides[d];
    ov.set(xv.subarray(off, off + inner), o);
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d] < size[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

function unpackKernel(args: KernelArgs): tf.TensorInfo[] {
  const value = args.inputs.value as tf.TensorInfo;
  let axis = (args.attrs as { axis: number }).axis;
  if (axis < 0) axis += value.shape.length;
  const outShape = value.shape.filter((_, i) => i !== axis);
  const begin = new Array(value.shape.length).fill(0);
  const size = value.shape.slice();
  size[axis] = 1;
  const outs: tf.TensorInfo[] = [];
  for (let i = 0; i < value.shape[axis]; i++) {
    begin[axis] = i;
    const o = sliceView(args.backend as WasmBackendLike, value, begin, size);
    outs.push({ dataId: o.dataId, dtype: o.dtype, shape: outShape });
  }
  return outs;
}

function splitVKernel(args: KernelArgs): tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  const { numOrSizeSplits, axis } = args.attrs as unknown as {
    numOrSizeSplits: number | number[];
    axis: number;
  };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
  const begin = new Array(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = x.shape.slice();
    size[ax] = s;
    const o = sliceView(args.backend as WasmBackendLike, x, begin, size);
    begin[ax] += s;
    return o;
  });
}

/** out[segmentIds[i], ...] += x[i, ...]; ids outside [0, numSegments) are dropped (TensorFlow semantics). */
function unsortedSegmentSumKernel(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as tf.TensorInfo;
  const ids = args.inputs.segmentIds as tf.TensorInfo;
  const numSegments = (args.attrs as { numSegments: number }).numSegments;
  const outShape = [numSegments, ...x.shape.slice(ids.shape.length)];
  const out = backend.makeOutput(outShape, x.dtype);
  const inner = tf.util.sizeFromShape(outShape) / Math.max(numSegments, 1);
  const ov = backend.typedArrayFromHeap(out);
  ov.fill(0);
  const nIds = tf.util.sizeFromShape(ids.shape);
  if (nIds === 0 || inner === 0) return out;
  const xv = backend.typedArrayFromHeap(x);
  const iv = backend.typedArrayFromHeap(ids);
  for (let i = 0; i < nIds; i++) {
    const s = iv[i];
    if (s < 0 || s >= numSegments) continue;
    const xo = i * inner;
    const oo = s * inner;
    for (let j = 0; j < inner; j++) ov[oo + j] += xv[xo + j];
  }
  return out;
}

/** Merges input axes that stay adjacent and in order under `perm`. Returns the collapsed shape and perm. */
export function collapsePermutation(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const keep = perm.filter((p) => shape[p] !== 1); // size-1 axes move nothing
  const groups: number[][] = [];
  for (const p of keep) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] + 1 === p) last.push(p);
    else groups.push([p]);
  }
  const order = groups.map((g) => g[0]).sort((a, b) => a - b);
  return {
    shape: order.map((first) => groups.find((g) => g[0] === first)!.reduce((n, ax) => n * shape[ax], 1)),
    perm: groups.map((g) => order.indexOf(g[0])),
  };
}

/** Transposes [R, C] → [C, R] in 16×16 blocks, writing rows of the output contiguously (≈4× faster than
 * reading contiguously here). */
function transpose2dBlocked(x: HeapView, out: HeapView, off: number, r: number, c: number): void {
  const BS = 16;
  for (let j0 = 0; j0 < c; j0 += BS) {
    const jMax = Math.min(j0 + BS, c);
    for (let i0 = 0; i0 < r; i0 += BS) {
      const iMax = Math.min(i0 + BS, r);
      for (let j = j0; j < jMax; j++) {
        const orow = off + j * r;
        for (let i = i0; i < iMax; i++) out[orow + i] = x[off + i * c + j];
      }
    }
  }
}

/** Transpose for the permutations the model uses; null for the others (left to the stock kernel). */
function transposeKernel(args: KernelArgs): tf.TensorInfo | null {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as tf.TensorInfo;
  const perm = (args.attrs as { perm: number[] }).perm;
  if (x.dtype === "string") return null;
  const c = collapsePermutation(x.shape, perm);
  const r = c.shape.length;
  const identity = c.perm.every((p, i) => p === i);
  const batched2d =
    r >= 2 &&
    c.perm[r - 1] === r - 2 &&
    c.perm[r - 2] === r - 1 &&
    c.perm.slice(0, r - 2).every((p, i) => p === i);
  if (!identity && !batched2d) return null; // e.g. permutations keeping the last axis: stock is fast there
  const out = backend.makeOutput(
    perm.map((p) => x.shape[p]),
    x.dtype,
  );
  const n = tf.util.sizeFromShape(x.shape);
  if (n === 0) return out;
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  if (identity) ov.set(xv);
  else if (batched2d) {
    const rows = c.shape[r - 2];
    const cols = c.shape[r - 1];
    for (let off = 0; off < n; off += rows * cols) transpose2dBlocked(xv, ov, off, rows, cols);
  }
  return out;
}

/** Sum over a leading block of axes (e.g. [N, C] → [C]) for float32; null for other reductions. */
function leadingSumKernel(args: KernelArgs): tf.TensorInfo | null {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as tf.TensorInfo;
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  if (x.dtype !== "float32") return null;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const k = axes.length;
  if (k === 0 || k === x.shape.length || axes.some((a, i) => a !== i)) return null;
  const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
  const cols = tf.util.sizeFromShape(x.shape.slice(k));
  const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
  const out = backend.makeOutput(outShape, "float32");
  const ov = backend.typedArrayFromHeap(out);
  const xv = backend.typedArrayFromHeap(x);
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) acc[c] += xv[o + c];
  }
  ov.set(acc);
  return out;
}

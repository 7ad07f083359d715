/**
 * Kernel patches that make tfjs-backend-wasm 4.22.0 fast and complete (../shared/reference/compute-stack.md
 * §1.2–1.3). select.ts calls {@link installWasmKernels} once after the wasm backend is ready.
 *
 * - `Slice`, `Unpack`, `SplitV`: the stock kernels call `backend.readSync(x)`, which copies the whole input out
 *   of the wasm heap on every slice (an unstack of [16,512,256] took 108 ms). Ours read a heap view instead.
 * - `UnsortedSegmentSum`: missing on wasm; the gradient of `tf.gather` (embedding lookup) needs it.
 *
 * Heap views are taken only after `makeOutput`, because allocating the output may grow (and so detach) the heap.
 */
import * as tf from "@tensorflow/tfjs-core";

/** The subset of tfjs-backend-wasm's BackendWasm that the patched kernels use. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
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
  installed = true;
  return true;
}

function replaceKernel(
  name: string,
  kernelFunc: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[],
): void {
  if (tf.getKernel(name, "wasm") != null) tf.unregisterKernel(name, "wasm");
  tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: kernelFunc as tf.KernelFunc });
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

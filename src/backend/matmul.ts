/**
 * Matrix products shaped for tfjs-backend-wasm (docs/references.md, "tfjs-backend-wasm"): XNNPACK's fast path only takes a
 * 2-D, non-transposed, batch-1 `matMul`; transposed or batched products fall to a ~10× slower loop. Every
 * product in the model therefore goes through {@link mm2d}, whose gradient is also two such products with
 * explicit transposes (tfjs's default matMul gradient uses the slow transposed path).
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core alone registers no gradients (the @tensorflow/tfjs bundle does); every model op needs them.
import "@tensorflow/tfjs-core/dist/register_all_gradients";

const mm2dOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      const dy2 = dy as tf.Tensor2D;
      return [tf.matMul(dy2, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy2)];
    },
  };
});

/**
 * `a @ b` for a [M, K] and b [K, N], as one non-transposed 2-D product, with a gradient made of
 * non-transposed 2-D products. Caller disposes.
 */
export function mm2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0]) {
    throw new Error(`mm2d: expected [M,K] @ [K,N], got [${a.shape}] @ [${b.shape}]`);
  }
  return mm2dOp(a, b) as tf.Tensor2D;
}

/**
 * A linear layer `x @ w (+ bias)` on the last axis. x: [..., in]; w: [in, out] (note: the transpose of the
 * PyTorch/HF `[out, in]` layout); bias: [out]. Returns [..., out]. Caller disposes.
 */
export function linear(x: tf.Tensor, w: tf.Tensor2D, bias?: tf.Tensor1D | null): tf.Tensor {
  return tf.tidy(() => {
    const inDim = x.shape[x.rank - 1];
    const x2 = x.rank === 2 ? (x as tf.Tensor2D) : (tf.reshape(x, [-1, inDim]) as tf.Tensor2D); // [N, in]
    let y: tf.Tensor = mm2d(x2, w); // [N, out]
    if (bias) y = tf.add(y, bias);
    return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), w.shape[1]]); // [..., out]
  });
}

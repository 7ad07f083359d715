/** Gradient clipping by global norm, as `torch.nn.utils.clip_grad_norm_` (GRPO and SFT clip the same way). */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Global L2 norm of the gradients, and the clip coefficient torch applies:
 * coef = min(1, max_norm / (norm + 1e-6)); `max_norm` 0 disables clipping. Reads back one scalar.
 */
export function globalGradNorm(grads: readonly tf.Tensor[], maxNorm: number): { norm: number; coef: number } {
  const sq = tf.tidy(() => tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
  const norm = Math.sqrt(sq.dataSync()[0]);
  sq.dispose();
  const coef = maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;
  return { norm, coef };
}

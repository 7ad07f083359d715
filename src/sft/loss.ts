/** The SFT loss: cross-entropy on completion tokens, as a differentiable scalar. */
import * as tf from "@tensorflow/tfjs-core";
import type { CausalLM } from "../model/types";

/**
 * Cross-entropy of the completion tokens of a micro-batch, summed and divided by `denominator` (the step's
 * total completion tokens, so that summing micro-batch gradients gives the step's token-mean loss):
 * `−Σ logprob·mask / denominator`. Differentiable; call inside `tf.variableGrads`.
 */
export function sftLossTensor(
  model: CausalLM,
  promptIds: number[][],
  completionIds: number[][],
  denominator: number,
): tf.Scalar {
  if (!(denominator > 0)) throw new Error(`sftLossTensor: denominator must be > 0, got ${denominator}`);
  const { logprobs, mask } = model.completionLogProbs(promptIds, completionIds);
  return tf.div(tf.neg(tf.sum(tf.mul(logprobs, mask))), denominator) as tf.Scalar;
}

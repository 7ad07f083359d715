/**
 * The differentiable twin of `algos.ts`: one micro-batch's share of the GRPO loss as a tfjs scalar, for use
 * inside `tf.variableGrads`. Same formulas (tested against the numeric version); shapes `[B, T]` are one
 * micro-batch of completions, right-padded.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import type { GrpoMode, LossType } from "./config";

/** Identity forward, zero gradient (torch `.detach()`); tfjs-core has no stop_gradient op. */
const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as (x: tf.Tensor) => tf.Tensor;

/** Inputs of {@link microBatchLossTensor}. All tensors are owned by the caller. */
export interface MicroBatchLossInput {
  /** [B, T] log π_θ of each completion token (differentiable). */
  logp: tf.Tensor2D;
  /** [B, T] 1 for tokens that count in the loss, 0 otherwise (padding, masked rows). */
  mask: tf.Tensor2D;
  /** [B, T] log π_old, or null when μ = 1 (then π_old = stop_gradient(π_θ) and the ratio is exactly 1). */
  oldLogp: tf.Tensor2D | null;
  /** [B, T] log π_ref, or null when β = 0. */
  refLogp: tf.Tensor2D | null;
  /** [B] advantages. */
  advantages: tf.Tensor1D;
  /** [B, T] per-token entropy (no gradient), for the `entropy` metric; null skips it. */
  entropy?: tf.Tensor2D | null;
}

/** Hyper-parameters and the step layout the aggregation needs. */
export interface MicroBatchLossOptions {
  beta: number;
  epsLow: number;
  epsHigh: number;
  lossType: LossType;
  mode: GrpoMode;
  /** M = num_processes × gradient_accumulation_steps. */
  numMicroBatches: number;
  maxCompletionLength: number;
  /** Loss tokens in the whole optimizer step (dapo's normaliser). */
  stepTokens: number;
}

/** Σ_t x·m per row: [B, T] → [B]. */
const rowSum = (x: tf.Tensor, m: tf.Tensor) => tf.sum(tf.mul(x, m), 1);

/**
 * The micro-batch loss (a scalar, differentiable in `logp`) and, without gradient, its metrics as a [6] vector:
 * [loss, kl, clip_ratio (69ad852e), low, high, entropy], each with the definitions of `loss-metrics.ts`.
 * Both returned tensors belong to the caller.
 */
export function microBatchLossTensor(
  x: MicroBatchLossInput,
  o: MicroBatchLossOptions,
): { loss: tf.Scalar; metrics: tf.Tensor1D } {
  return tf.tidy(() => {
    const { logp, mask } = x;
    const B = logp.shape[0];
    const old = x.oldLogp ?? (stopGradient(logp) as tf.Tensor2D);
    const ratio = tf.exp(tf.sub(logp, old)); // [B, T]
    const clipped = tf.clipByValue(ratio, 1 - o.epsLow, 1 + o.epsHigh);
    const adv = tf.reshape(x.advantages, [B, 1]);
    const l1 = tf.mul(ratio, adv);
    const l2 = tf.mul(clipped, adv);
    let perToken: tf.Tensor = tf.neg(tf.minimum(l1, l2));
    let kl: tf.Tensor = tf.zerosLike(logp);
    if (o.beta > 0 && x.refLogp) {
      const d = tf.sub(x.refLogp, logp);
      kl = tf.sub(tf.sub(tf.exp(d), d), 1); // k3 = e^d − d − 1
      perToken = tf.add(perToken, tf.mul(kl, o.beta));
    }
    const tokens = tf.maximum(tf.sum(mask), 1);
    const rowTokens = tf.maximum(tf.sum(mask, 1), 1);
    const total = tf.sum(tf.mul(perToken, mask));
    const M = o.numMicroBatches;
    let loss: tf.Tensor;
    if (o.lossType === "grpo") loss = tf.div(tf.mean(tf.div(rowSum(perToken, mask), rowTokens)), M);
    else if (o.lossType === "bnpo") loss = tf.div(tf.div(total, tokens), M);
    else if (o.lossType === "dr_grpo") loss = tf.div(total, B * o.maxCompletionLength * M);
    else loss = tf.div(total, Math.max(o.stepTokens, 1));

    const metrics = tf.tidy(() => {
      const k = stopGradient(kl);
      const r = stopGradient(ratio);
      const klMetric =
        o.mode === "faithful"
          ? tf.mean(tf.div(rowSum(k, mask), rowTokens))
          : tf.div(tf.sum(rowSum(k, mask)), tokens);
      const frac = (flag: tf.Tensor) => tf.div(tf.sum(tf.mul(tf.cast(flag, "float32"), mask)), tokens);
      const c69 = frac(tf.less(stopGradient(l1), stopGradient(l2)));
      const low = frac(tf.logicalAnd(tf.less(r, 1 - o.epsLow), tf.less(adv, 0)));
      const high = frac(tf.logicalAnd(tf.greater(r, 1 + o.epsHigh), tf.greater(adv, 0)));
      const ent = x.entropy ? tf.div(tf.sum(tf.mul(x.entropy, mask)), tokens) : tf.scalar(Number.NaN);
      return tf.stack([stopGradient(loss), klMetric, c69, low, high, ent]) as tf.Tensor1D;
    });
    return { loss: loss as tf.Scalar, metrics };
  });
}

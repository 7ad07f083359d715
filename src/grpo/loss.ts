/**
 * The GRPO loss of one micro-batch as a differentiable tfjs scalar (TRL `compute_loss`), and the loss-side
 * metrics TRL logs, computed alongside without gradient. Shapes `[B, T]` are one micro-batch of completions,
 * right-padded; tests/grpo/loss.test.ts checks every loss_type and metric against a hand-computed example.
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

/**
 * The metrics vector's entries, in order. Each is a value for this micro-batch; the step's value is the mean over
 * its micro-batches (TRL appends one value per micro-step and averages them at log time).
 * - `loss`: this micro-batch's share of the step loss;
 * - `kl`: faithful (TRL@69ad852e) the mean over sequences of each sequence's token-mean k3; fixed (current TRL)
 *   the token mean of k3 over the micro-batch;
 * - `clip_ratio`: TRL@69ad852e's `clip_ratio` as coded there (`is_clipped = per_token_loss1 < per_token_loss2`):
 *   the fraction of tokens where the unclipped objective ρ·A was strictly below the clipped one clip(ρ)·A, so the
 *   minimum took the unclipped term although ρ was outside the clip range. Despite its name it does not count the
 *   tokens the clip acted on (current TRL's `low` / `high` do);
 * - `low` / `high`: current TRL's `clip_ratio/low_mean` (ρ < 1 − ε_low and A < 0) and `clip_ratio/high_mean`
 *   (ρ > 1 + ε_high and A > 0), fractions of tokens;
 * - `entropy`: token mean of the policy's entropy (NaN when not computed).
 * Fractions and means are over the tokens the mask keeps (at least 1).
 */
export const LOSS_METRICS = ["loss", "kl", "clip_ratio", "low", "high", "entropy"] as const;

/** Σ_t x·mask per row: [B, T] → [B]. */
const rowSum = (x: tf.Tensor, mask: tf.Tensor) => tf.sum(tf.mul(x, mask), 1);

/**
 * The per-token losses reduced per `loss_type`, as one micro-batch's share of the step loss, so that the sum over
 * the M micro-batches is the aggregate: grpo = mean_i(Σ_t l·m / Σ_t m) / M; bnpo = (Σ l·m / Σ m) / M;
 * dr_grpo = Σ l·m / (B · L_max) / M; dapo = Σ l·m / (tokens in the whole step). Σ m is clamped to ≥ 1 as in TRL.
 */
function aggregate(perToken: tf.Tensor, mask: tf.Tensor, opts: MicroBatchLossOptions): tf.Tensor {
  const rows = perToken.shape[0];
  const M = opts.numMicroBatches;
  const tokens = tf.maximum(tf.sum(mask), 1);
  const total = tf.sum(tf.mul(perToken, mask));
  switch (opts.lossType) {
    case "grpo":
      return tf.div(tf.mean(tf.div(rowSum(perToken, mask), tf.maximum(tf.sum(mask, 1), 1))), M);
    case "bnpo":
      return tf.div(tf.div(total, tokens), M);
    case "dr_grpo":
      return tf.div(total, rows * opts.maxCompletionLength * M);
    case "dapo":
      return tf.div(total, Math.max(opts.stepTokens, 1));
  }
}

/** The per-token quantities the loss and its metrics share ([B, T] each). */
interface TokenTerms {
  ratio: tf.Tensor;
  advantages: tf.Tensor;
  unclippedObjective: tf.Tensor;
  clippedObjective: tf.Tensor;
  kl: tf.Tensor;
}

/** The metrics vector ({@link LOSS_METRICS}), without gradient. */
function lossMetrics(
  terms: TokenTerms,
  loss: tf.Tensor,
  input: MicroBatchLossInput,
  opts: MicroBatchLossOptions,
): tf.Tensor1D {
  const { mask } = input;
  const tokens = tf.maximum(tf.sum(mask), 1);
  const kl = stopGradient(terms.kl);
  const ratio = stopGradient(terms.ratio);
  const klMetric =
    opts.mode === "faithful"
      ? tf.mean(tf.div(rowSum(kl, mask), tf.maximum(tf.sum(mask, 1), 1)))
      : tf.div(tf.sum(rowSum(kl, mask)), tokens);
  const fraction = (flag: tf.Tensor) => tf.div(tf.sum(tf.mul(tf.cast(flag, "float32"), mask)), tokens);
  const unclippedMinFraction = fraction(
    tf.less(stopGradient(terms.unclippedObjective), stopGradient(terms.clippedObjective)),
  );
  const low = fraction(tf.logicalAnd(tf.less(ratio, 1 - opts.epsLow), tf.less(terms.advantages, 0)));
  const high = fraction(tf.logicalAnd(tf.greater(ratio, 1 + opts.epsHigh), tf.greater(terms.advantages, 0)));
  const entropy = input.entropy ? tf.div(tf.sum(tf.mul(input.entropy, mask)), tokens) : tf.scalar(Number.NaN);
  return tf.stack([stopGradient(loss), klMetric, unclippedMinFraction, low, high, entropy]) as tf.Tensor1D;
}

/**
 * The micro-batch loss (a scalar, differentiable in `logp`) and, without gradient, its metrics as a [6] vector
 * in the order of {@link LOSS_METRICS}. Per token: −min(ρ·A, clip(ρ, 1 − ε_low, 1 + ε_high)·A) + β·k3, with
 * ρ = exp(logp − old) and k3 = exp(ref − logp) − (ref − logp) − 1. Both returned tensors belong to the caller.
 */
export function microBatchLossTensor(
  input: MicroBatchLossInput,
  opts: MicroBatchLossOptions,
): { loss: tf.Scalar; metrics: tf.Tensor1D } {
  return tf.tidy(() => {
    const { logp, mask } = input;
    const oldLogp = input.oldLogp ?? stopGradient(logp);
    const ratio = tf.exp(tf.sub(logp, oldLogp)); // [B, T]
    const clippedRatio = tf.clipByValue(ratio, 1 - opts.epsLow, 1 + opts.epsHigh); // [B, T]
    const advantages = tf.reshape(input.advantages, [logp.shape[0], 1]); // [B, 1]
    const unclippedObjective = tf.mul(ratio, advantages); // [B, T]
    const clippedObjective = tf.mul(clippedRatio, advantages); // [B, T]
    let perToken: tf.Tensor = tf.neg(tf.minimum(unclippedObjective, clippedObjective)); // [B, T]
    let kl: tf.Tensor = tf.zerosLike(logp);
    if (opts.beta > 0 && input.refLogp) {
      const logRatioToRef = tf.sub(input.refLogp, logp); // [B, T]
      kl = tf.sub(tf.sub(tf.exp(logRatioToRef), logRatioToRef), 1); // k3 = e^d − d − 1
      perToken = tf.add(perToken, tf.mul(kl, opts.beta));
    }
    const loss = aggregate(perToken, mask, opts);
    const terms = { ratio, advantages, unclippedObjective, clippedObjective, kl };
    const metrics = tf.tidy(() => lossMetrics(terms, loss, input, opts));
    return { loss: loss as tf.Scalar, metrics };
  });
}

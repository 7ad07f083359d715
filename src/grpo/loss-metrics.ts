/**
 * The loss-side metrics TRL logs, on plain numbers, per micro-batch; the step value is the mean over the
 * step's micro-batches (TRL appends one value per micro-step and averages them at log time).
 */

import type { TokenLoss } from "./algos";
import type { GrpoMode } from "./config";

/** One micro-batch's loss metrics. */
export interface MicroBatchMetrics {
  /**
   * `kl`. Faithful (TRL@69ad852e): mean over sequences of each sequence's token-mean k3. Fixed (current TRL):
   * token mean of k3 over the micro-batch.
   */
  kl: number;
  /** TRL@69ad852e `clip_ratio`: masked fraction of tokens with ρ·A < clip(ρ)·A. */
  clip_ratio: number;
  /** Current TRL `clip_ratio/low_mean`: masked fraction with ρ < 1−ε_low and A < 0. */
  low: number;
  /** Current TRL `clip_ratio/high_mean`: masked fraction with ρ > 1+ε_high and A > 0. */
  high: number;
  /** Current TRL `clip_ratio/region_mean`: masked fraction clipped on either side. */
  region: number;
}

/** Metrics of one micro-batch from its per-token losses and mask (rows ragged, aligned). */
export function microBatchMetrics(
  tokens: readonly (readonly TokenLoss[])[],
  mask: readonly (readonly number[])[],
  mode: GrpoMode,
): MicroBatchMetrics {
  let klSum = 0;
  let tokenCount = 0;
  let seqKl = 0;
  let c69 = 0;
  let low = 0;
  let high = 0;
  tokens.forEach((row, i) => {
    let rowKl = 0;
    let rowTokens = 0;
    row.forEach((t, j) => {
      const m = mask[i][j];
      rowKl += t.kl * m;
      rowTokens += m;
      c69 += (t.clipped69 ? 1 : 0) * m;
      low += (t.lowClipped ? 1 : 0) * m;
      high += (t.highClipped ? 1 : 0) * m;
    });
    klSum += rowKl;
    tokenCount += rowTokens;
    seqKl += rowKl / Math.max(rowTokens, 1);
  });
  const denom = Math.max(tokenCount, 1);
  return {
    kl: mode === "faithful" ? seqKl / Math.max(tokens.length, 1) : klSum / denom,
    clip_ratio: c69 / denom,
    low: low / denom,
    high: high / denom,
    region: (low + high) / denom,
  };
}

/** Mean of each field over the step's micro-batches. */
export function meanMetrics(items: readonly MicroBatchMetrics[]): MicroBatchMetrics {
  const n = Math.max(items.length, 1);
  const sum = (f: keyof MicroBatchMetrics) => items.reduce((a, m) => a + m[f], 0) / n;
  return {
    kl: sum("kl"),
    clip_ratio: sum("clip_ratio"),
    low: sum("low"),
    high: sum("high"),
    region: sum("region"),
  };
}

/**
 * GRPO math on plain numbers: reward weighting, advantages, the per-token clipped loss with k3 KL, the
 * aggregation per `loss_type`, and the metrics TRL logs from them. No tensors here; `algos-tensor.ts` holds
 * the differentiable twins, tested against these.
 *
 * Layout convention: completions are rows `i = 0..N-1`, grouped in contiguous blocks of G (one prompt each),
 * and split for the loss into contiguous micro-batches of `b` rows (M = N / b micro-batches per optimizer step,
 * M = num_processes × gradient_accumulation_steps). Token arrays are ragged: row i has its own length.
 */
import type { LossType, ScaleRewards } from "./config";

/** TRL's std guard: A = (r − mean) / (std + 1e-4). */
export const ADV_EPS = 1e-4;

/**
 * Weighted total reward per completion. `perFn[k][i]` is function k's score for completion i (`null` = no
 * signal). As current TRL: nansum over functions of w_k·r_k; a row where every function returned `null` is NaN
 * (unscorable: excluded from the group baseline, advantage 0). Faithful rewards never return `null`, so there
 * this is TRL@69ad852e's plain weighted sum.
 */
export function combineRewards(
  perFn: readonly (readonly (number | null)[])[],
  weights: readonly number[],
): number[] {
  if (perFn.length !== weights.length) {
    throw new Error(`combineRewards: ${perFn.length} reward columns but ${weights.length} weights`);
  }
  const n = perFn[0]?.length ?? 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let seen = 0;
    for (let k = 0; k < perFn.length; k++) {
      const r = perFn[k][i];
      if (r === null || Number.isNaN(r)) continue;
      sum += weights[k] * r;
      seen++;
    }
    out.push(seen === 0 ? Number.NaN : sum);
  }
  return out;
}

/** Mean and Bessel-corrected std of the non-NaN values (std 0 when fewer than 2). */
export function nanMeanStd(values: readonly number[]): { mean: number; std: number; count: number } {
  const ok = values.filter((v) => !Number.isNaN(v));
  if (ok.length === 0) return { mean: Number.NaN, std: Number.NaN, count: 0 };
  const mean = ok.reduce((a, b) => a + b, 0) / ok.length;
  if (ok.length < 2) return { mean, std: 0, count: ok.length };
  const ss = ok.reduce((a, v) => a + (v - mean) * (v - mean), 0);
  return { mean, std: Math.sqrt(ss / (ok.length - 1)), count: ok.length };
}

function checkGroups(n: number, G: number, who: string): void {
  if (!Number.isInteger(G) || G < 1 || n % G !== 0) {
    throw new Error(`${who}: ${n} completions cannot be split into groups of num_generations = ${G}`);
  }
}

/** Per-group mean and std of the totals (group g = rows gG..gG+G-1). */
export function groupStats(rewards: readonly number[], G: number): { mean: number[]; std: number[] } {
  checkGroups(rewards.length, G, "groupStats");
  const mean: number[] = [];
  const std: number[] = [];
  for (let g = 0; g < rewards.length / G; g++) {
    const s = nanMeanStd(rewards.slice(g * G, (g + 1) * G));
    mean.push(s.mean);
    std.push(s.std);
  }
  return { mean, std };
}

/**
 * Advantages A_i = (r_i − mean_group(i)) / (σ + 1e-4), σ per `scale`: `group` = std of i's group (TRL@69ad852e,
 * current default), `batch` = std of all rewards (Lite-PPO), `none` = no division (Dr. GRPO). Stds are
 * Bessel-corrected (torch.std). NaN totals (unscorable rows) get advantage 0 and are left out of the baseline.
 */
export function computeAdvantages(rewards: readonly number[], G: number, scale: ScaleRewards): number[] {
  const { mean, std } = groupStats(rewards, G);
  const batchStd = nanMeanStd(rewards).std;
  return rewards.map((r, i) => {
    if (Number.isNaN(r)) return 0;
    const g = Math.floor(i / G);
    const centred = r - mean[g];
    if (scale === "none") return centred;
    const s = scale === "group" ? std[g] : batchStd;
    return centred / (s + ADV_EPS);
  });
}

/** True for groups whose totals are all equal (TRL: `isclose(std, 0)`, i.e. |σ| ≤ 1e-8). */
export function zeroStdGroups(rewards: readonly number[], G: number): boolean[] {
  return groupStats(rewards, G).std.map((s) => Number.isNaN(s) || Math.abs(s) <= 1e-8);
}

/**
 * DAPO dynamic sampling without resampling (`drop_zero_std_groups`): 0 for every completion of a zero-std group
 * (it carries no policy gradient, only KL), 1 elsewhere. Multiply it into the loss mask.
 */
export function keepMask(rewards: readonly number[], G: number): number[] {
  const zero = zeroStdGroups(rewards, G);
  return rewards.map((_, i) => (zero[Math.floor(i / G)] ? 0 : 1));
}

/** Inputs of one token's loss. */
export interface TokenLossInput {
  /** log π_θ(o_t) under the current policy. */
  logp: number;
  /** log π_old(o_t); with μ = 1 TRL uses logp itself (detached), so the ratio is exactly 1. */
  oldLogp: number;
  /** log π_ref(o_t); ignored when β = 0. */
  refLogp: number;
  /** The completion's advantage. */
  advantage: number;
}

/** One token's loss and the flags its metrics need. */
export interface TokenLoss {
  /** −min(ρ·A, clip(ρ, 1−ε_low, 1+ε_high)·A) + β·k3. */
  loss: number;
  /** k3 = exp(ref − logp) − (ref − logp) − 1 (≥ 0). */
  kl: number;
  /** ρ = exp(logp − old). */
  ratio: number;
  /** Current TRL: ρ < 1−ε_low and A < 0. */
  lowClipped: boolean;
  /** Current TRL: ρ > 1+ε_high and A > 0. */
  highClipped: boolean;
  /** TRL@69ad852e `clip_ratio`: ρ·A < clip(ρ)·A as coded. */
  clipped69: boolean;
}

/** The GRPO per-token loss (TRL `compute_loss`), on numbers. */
export function tokenLoss(x: TokenLossInput, epsLow: number, epsHigh: number, beta: number): TokenLoss {
  const ratio = Math.exp(x.logp - x.oldLogp);
  const clipped = Math.min(Math.max(ratio, 1 - epsLow), 1 + epsHigh);
  const l1 = ratio * x.advantage;
  const l2 = clipped * x.advantage;
  const d = x.refLogp - x.logp;
  const kl = beta > 0 ? Math.exp(d) - d - 1 : 0;
  return {
    loss: -Math.min(l1, l2) + beta * kl,
    kl,
    ratio,
    lowClipped: ratio < 1 - epsLow && x.advantage < 0,
    highClipped: ratio > 1 + epsHigh && x.advantage > 0,
    clipped69: l1 < l2,
  };
}

/** How the rows of one optimizer step are cut for the loss. */
export interface AggregationLayout {
  /** Rows per micro-batch (per_device_train_batch_size). */
  microBatchSize: number;
  /** TRL `max_completion_length`, the Dr. GRPO constant. */
  maxCompletionLength: number;
}

/**
 * One micro-batch's share of the step loss, so that summing over the M micro-batches gives the aggregate:
 * grpo = mean_i(Σ_t l·m / Σ_t m) / M; bnpo = (Σ l·m / Σ m) / M; dr_grpo = Σ l·m / (b·L_max) / M;
 * dapo = Σ l·m / (tokens in the whole step). Σ m is clamped to ≥ 1 as in TRL.
 */
export function microBatchLoss(
  loss: readonly (readonly number[])[],
  mask: readonly (readonly number[])[],
  lossType: LossType,
  ctx: { numMicroBatches: number; maxCompletionLength: number; stepTokens: number },
): number {
  const rowSums = loss.map((row, i) => row.reduce((a, l, t) => a + l * mask[i][t], 0));
  const rowTokens = mask.map((row) => row.reduce((a, m) => a + m, 0));
  const total = rowSums.reduce((a, b) => a + b, 0);
  const tokens = rowTokens.reduce((a, b) => a + b, 0);
  const M = ctx.numMicroBatches;
  switch (lossType) {
    case "grpo":
      return rowSums.reduce((a, s, i) => a + s / Math.max(rowTokens[i], 1), 0) / loss.length / M;
    case "bnpo":
      return total / Math.max(tokens, 1) / M;
    case "dr_grpo":
      return total / (loss.length * ctx.maxCompletionLength) / M;
    case "dapo":
      return total / Math.max(ctx.stepTokens, 1);
  }
}

/** Split row indices 0..n-1 into contiguous micro-batches of `b`. */
export function microBatches(n: number, b: number): number[][] {
  if (n % b !== 0) throw new Error(`microBatches: ${n} rows are not a multiple of micro-batch size ${b}`);
  return Array.from({ length: n / b }, (_, j) => Array.from({ length: b }, (_, k) => j * b + k));
}

/** The step loss: Σ over micro-batches of {@link microBatchLoss}. */
export function aggregateLoss(
  loss: readonly (readonly number[])[],
  mask: readonly (readonly number[])[],
  lossType: LossType,
  layout: AggregationLayout,
): number {
  const mbs = microBatches(loss.length, layout.microBatchSize);
  const stepTokens = mask.reduce((a, row) => a + row.reduce((s, m) => s + m, 0), 0);
  const ctx = { numMicroBatches: mbs.length, maxCompletionLength: layout.maxCompletionLength, stepTokens };
  return mbs.reduce(
    (acc, rows) =>
      acc +
      microBatchLoss(
        rows.map((i) => loss[i]),
        rows.map((i) => mask[i]),
        lossType,
        ctx,
      ),
    0,
  );
}

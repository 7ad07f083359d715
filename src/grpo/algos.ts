/**
 * GRPO math on plain numbers that the trainer uses: group statistics, advantages, the zero-std group mask and
 * the micro-batch layout. The loss itself is a tensor function (loss.ts); reward totals are rewards/score.ts.
 *
 * Layout convention: completions are rows `i = 0..N-1`, grouped in contiguous blocks of G (one prompt each),
 * and split for the loss into contiguous micro-batches of `b` rows (M = N / b micro-batches per optimizer step,
 * M = num_processes × gradient_accumulation_steps).
 */
import type { ScaleRewards } from "./config";

/** TRL's std guard: A = (r − mean) / (std + 1e-4). */
export const ADV_EPS = 1e-4;

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

/** Split row indices 0..n-1 into contiguous micro-batches of `b`. */
export function microBatches(n: number, b: number): number[][] {
  if (n % b !== 0) throw new Error(`microBatches: ${n} rows are not a multiple of micro-batch size ${b}`);
  return Array.from({ length: n / b }, (_, j) => Array.from({ length: b }, (_, k) => j * b + k));
}

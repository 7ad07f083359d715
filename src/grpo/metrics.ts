/**
 * The per-step metrics record, with TRL's names (current TRL, plus the TRL@69ad852e names `completion_length`,
 * `rewards/<fn>` and `clip_ratio` so Open-RS's W&B charts compare). Extras carry `perf/` or `debug/`.
 * One record per optimizer step goes to metrics.jsonl.
 */
import { groupStats, nanMeanStd, zeroStdGroups } from "./algos";
import type { GrpoConfig } from "./config";
import type { Rollout } from "./rollout";
import type { UpdateResult } from "./update";

/** One metrics.jsonl line: `step` plus TRL-named numbers (and `updates` when `run.update` applied). */
export type StepMetrics = { step: number; updates?: Record<string, unknown> } & Record<
  string,
  number | unknown
>;

/** Rollout-side metrics (rewards, lengths). */
export function rolloutMetrics(cfg: Readonly<GrpoConfig>, rollout: Rollout): Record<string, number> {
  const out: Record<string, number> = {};
  const G = cfg.num_generations;
  const totals = nanMeanStd(rollout.totals);
  out.reward = totals.mean;
  // TRL: mean of the std used to scale (group std for group/none, the batch std for batch).
  out.reward_std =
    cfg.scale_rewards === "batch" ? totals.std : nanMeanStd(groupStats(rollout.totals, G).std).mean;
  for (const f of rollout.rewards) {
    const s = nanMeanStd(f.values.map((v) => (v === null ? Number.NaN : v)));
    out[`rewards/${f.name}/mean`] = s.mean;
    out[`rewards/${f.name}/std`] = s.std;
    out[`rewards/${f.name}`] = s.mean;
  }
  const zero = zeroStdGroups(rollout.totals, G);
  out.frac_reward_zero_std = zero.filter(Boolean).length / zero.length;
  const lens = rollout.completionIds.map((c) => c.length);
  const term = lens.filter((_, i) => !rollout.truncated[i]);
  out["completions/mean_length"] = lens.reduce((a, b) => a + b, 0) / lens.length;
  out["completions/min_length"] = Math.min(...lens);
  out["completions/max_length"] = Math.max(...lens);
  out["completions/clipped_ratio"] = rollout.truncated.filter(Boolean).length / lens.length;
  out["completions/mean_terminated_length"] = term.length ? term.reduce((a, b) => a + b, 0) / term.length : 0;
  out["completions/min_terminated_length"] = term.length ? Math.min(...term) : 0;
  out["completions/max_terminated_length"] = term.length ? Math.max(...term) : 0;
  out.completion_length = out["completions/mean_length"];
  out["debug/rewards/unverifiable"] = rollout.unverifiable;
  out["debug/loss_masked_completions"] = rollout.keep.filter((k) => k === 0).length;
  return out;
}

/** Update-side metrics (loss, KL, clipping, entropy, gradient). `kl` only when β > 0, as TRL. */
export function updateMetrics(cfg: Readonly<GrpoConfig>, update: UpdateResult): Record<string, number> {
  const out: Record<string, number> = {
    loss: update.loss,
    grad_norm: update.grad_norm,
    entropy: update.entropy,
    clip_ratio: update.clip_ratio,
    "clip_ratio/low_mean": update.low,
    "clip_ratio/high_mean": update.high,
    "clip_ratio/region_mean": update.region,
    "debug/skipped_step": update.applied ? 0 : 1,
  };
  if (cfg.beta > 0) out.kl = update.kl;
  return out;
}

/** Prompt + completion tokens of a rollout (TRL's `num_tokens` increment). */
export function rolloutTokens(rollout: Rollout): number {
  return rollout.promptIds.reduce((sum, ids, i) => sum + ids.length + rollout.completionIds[i].length, 0);
}

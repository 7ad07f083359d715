/** The types every reward shares: the function signature, its batch and context, and the diagnostics channel. */
import type { MathRow } from "../data/schema";

/**
 * Side channel for diagnostics a reward may report without logging. `scoreRewards` creates one per call;
 * reward functions only add to it (no I/O, no console).
 */
export interface RewardDiagnostics {
  /**
   * Indices of completions (rows) that a verifier-based reward could not judge: the gold answer did not
   * parse, or the verifier failed. Faithful mode still scores these (1.0 / 0.0); fixed mode scores `null`.
   */
  unverifiableRows: Set<number>;
}

/** Per-call context a reward function may use. All arrays are aligned with `completions`. */
export interface RewardContext {
  /** Completion length in tokens (EOS included when it was generated). */
  completionTokenCounts: number[];
  /** True where the completion hit `max_completion_length` without EOS. */
  truncated?: boolean[];
  /** The generation cap in tokens, for length-aware rewards. */
  maxCompletionLength?: number;
  /** Reward semantics: `faithful` reproduces Open-RS (TRL@69ad852, open-r1@5dcfae8); `fixed` is current TRL. */
  mode: "faithful" | "fixed";
  /** Optional diagnostics sink (filled by `scoreRewards`; rewards must work without it). */
  diagnostics?: RewardDiagnostics;
}

/**
 * One dataset row per completion (rows repeat G times for a group). `prompt` is the rendered prompt text.
 */
export type RewardBatch = Array<MathRow & { prompt: string }>;

/**
 * A reward function: one score per completion, in order. `null` means "no signal" (current TRL skips it
 * with nansum; faithful mode never returns it). May be async (answer verification runs in workers).
 */
export type RewardFn = (
  completions: string[],
  batch: RewardBatch,
  ctx: RewardContext,
) => (number | null)[] | Promise<(number | null)[]>;

/**
 * A reward function that carries its metric name in `rewardName` (open-r1's Python function name, e.g.
 * `cosine_scaled_reward`, logged as `rewards/<rewardName>/mean`). Never rely on `Function.name`.
 */
export type NamedRewardFn = RewardFn & { readonly rewardName: string };

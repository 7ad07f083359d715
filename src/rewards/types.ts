import type { MathRow } from "../data/schema";

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

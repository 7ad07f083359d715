/**
 * Rule-based rewards (no answer verification): format, tag counts, reasoning steps, n-gram repetition and the
 * DAPO soft-overlong punishment. Each export is a factory returning a pure {@link NamedRewardFn}; the
 * `rewardName` is open-r1's Python function name (the metric key). Definitions: open-rs
 * `src/open_r1/rewards.py` @2889c47 and open-r1 (docs/references.md, "Reward functions"). Same behaviour in both modes.
 */
import { named } from "./named";
import { DEFAULT_MAX_COMPLETION_LEN, REWARD_PARAM_DEFAULTS, type RewardParams } from "./params";
import { asText, countOccurrences, pySplit } from "./text";
import type { NamedRewardFn, RewardContext } from "./types";

/** Map every completion through a pure per-text rule. */
function perText(rewardName: string, rule: (text: string) => number): NamedRewardFn {
  return named(rewardName, (completions) => completions.map((c) => rule(asText(c))));
}

/** open-rs `format_reward`: 1.0 iff `"\n</think>\n"` occurs exactly once (Python `str.count`), else 0.0. */
export function formatReward(): NamedRewardFn {
  return perText("format_reward", (t) => (countOccurrences(t, "\n</think>\n") === 1 ? 1.0 : 0.0));
}

/**
 * open-r1's `format_reward`: `re.match(r"^<think>\n.*?\n</think>\n<answer>\n.*?\n</answer>$", c,
 * re.DOTALL | re.MULTILINE)` → 1.0 / 0.0. `re.match` anchors at position 0 (sticky flag); with MULTILINE `$`
 * matches before any `\n` or at the end, reproduced as `(?=\n|$)` (Python's `$` ignores `\r`, U+2028).
 * Always 0 for R1-Distill with the stock template, whose prompt prefills `<think>\n` (open-r1#560).
 * Metric name `format_reward_r1` so it cannot collide with the open-rs `format_reward`.
 */
export function formatRewardR1(): NamedRewardFn {
  const re = /<think>\n[\s\S]*?\n<\/think>\n<answer>\n[\s\S]*?\n<\/answer>(?=\n|$)/y;
  return perText("format_reward_r1", (t) => {
    re.lastIndex = 0;
    return re.test(t) ? 1.0 : 0.0;
  });
}

/** open-rs `tag_count_reward`: 0.5 each for `"<think>\n"` and `"\n</think>\n"` occurring exactly once. */
export function tagCountReward(): NamedRewardFn {
  return perText("tag_count_reward", (t) => {
    let r = 0.0;
    if (countOccurrences(t, "<think>\n") === 1) r += 0.5;
    if (countOccurrences(t, "\n</think>\n") === 1) r += 0.5;
    return r;
  });
}

/**
 * open-r1 `tag_count_reward`: 0.25 each for `"<think>\n"`, `"\n</think>\n"`, `"\n<answer>\n"`,
 * `"\n</answer>"` occurring exactly once. Metric name `tag_count_reward_r1`.
 */
export function tagCountRewardR1(): NamedRewardFn {
  const tags = ["<think>\n", "\n</think>\n", "\n<answer>\n", "\n</answer>"];
  return perText("tag_count_reward_r1", (t) => {
    let r = 0.0;
    for (const tag of tags) if (countOccurrences(t, tag) === 1) r += 0.25;
    return r;
  });
}

/**
 * `reasoning_steps_reward`: `min(1, count / 3)` where count = `len(re.findall(r"(Step \d+:|^\d+\.|\n-|\n\*|
 * First,|Second,|Next,|Finally,)", c))`. No MULTILINE: `^\d+\.` matches only at the start of the string.
 * Python's `\d` is any Unicode decimal digit, hence `\p{Nd}`.
 */
export function reasoningStepsReward(): NamedRewardFn {
  const re = /(Step \p{Nd}+:|^\p{Nd}+\.|\n-|\n\*|First,|Second,|Next,|Finally,)/gu;
  return perText("reasoning_steps_reward", (t) => {
    const count = t.match(re)?.length ?? 0;
    return Math.min(1.0, count / 3);
  });
}

/**
 * `repetition_penalty_reward` (Yeo et al. 2025 App. C.2): words = `c.lower().split()`; 0 if the text is empty
 * or has fewer than n words; else `(1 − |unique n-grams| / |n-grams|) · max_penalty`.
 * Params: `repetition_n_grams` (default 3), `repetition_max_penalty` (default −1.0, must be ≤ 0).
 */
export function repetitionPenaltyReward(params: RewardParams = {}): NamedRewardFn {
  const n = params.repetition_n_grams ?? REWARD_PARAM_DEFAULTS.repetition_n_grams;
  const maxPenalty = params.repetition_max_penalty ?? REWARD_PARAM_DEFAULTS.repetition_max_penalty;
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`repetition_n_grams must be an integer ≥ 1, got ${n}`);
  }
  if (maxPenalty > 0) {
    throw new Error(`repetition_max_penalty ${maxPenalty} should not be positive (use a value ≤ 0)`);
  }
  return perText("repetition_penalty_reward", (t) => {
    const words = pySplit(t.toLowerCase());
    if (t === "" || words.length < n) return 0.0;
    const seen = new Set<string>();
    const total = words.length - n + 1;
    for (let i = 0; i < total; i++) seen.add(words.slice(i, i + n).join(" "));
    return (1 - seen.size / total) * maxPenalty + 0; // + 0 turns -0 into 0
  });
}

/**
 * `soft_overlong_punishment_reward` (DAPO Eq. 13), on token counts `L = ctx.completionTokenCounts[i]`:
 * `L ≤ Lmax − C → 0`; `Lmax − C < L ≤ Lmax → (Lmax − C − L) / C`; `L > Lmax → −1`.
 * Params: `max_completion_len` (Lmax; default `ctx.maxCompletionLength`, else 16384) and `soft_punish_cache`
 * (C; default 4096, must be > 0 and ≤ Lmax). A missing or non-finite token count scores 0.
 */
export function softOverlongPunishmentReward(params: RewardParams = {}): NamedRewardFn {
  const cache = params.soft_punish_cache ?? REWARD_PARAM_DEFAULTS.soft_punish_cache;
  if (!(cache > 0)) throw new Error(`soft_punish_cache must be > 0 tokens, got ${cache}`);
  return named("soft_overlong_punishment_reward", (completions, _batch, ctx: RewardContext) => {
    const lmax = params.max_completion_len ?? ctx.maxCompletionLength ?? DEFAULT_MAX_COMPLETION_LEN;
    return completions.map((_, i) => {
      const len = ctx.completionTokenCounts?.[i];
      if (typeof len !== "number" || !Number.isFinite(len)) return 0.0;
      if (len <= lmax - cache) return 0.0;
      if (len <= lmax) return (lmax - cache - len) / cache;
      return -1.0;
    });
  });
}

/**
 * The reward registry: one literal table from recipe keys to reward factories. It is the only list of reward
 * names in the project: errors list its keys, and a test keeps README.md in sync with it.
 *
 * Modes (`ctx.mode`, one switch for every reward):
 *
 * | behaviour                    | `faithful` (Open-RS: open-rs @2889c47, open-r1 @5dcfae8, TRL @69ad852) | `fixed` (current TRL / open-r1)                     |
 * |------------------------------|-----------------------------------------------------------------------|------------------------------------------------------|
 * | gold text                    | `solution` column (falls back to `answer` if absent)                  | `answer` as `$\boxed{…}$` if present, else `solution` |
 * | gold parse                   | LaTeX only, `first_match`                                             | LaTeX + Expr, `first_match` (open-r1 @1416fa0)       |
 * | prediction parse             | boxed priority 0, anchored only, nits/malformed_operators off          | same as faithful (src/verify/modes.ts)               |
 * | verify argument order        | `verify(pred, gold)` (reversed)                                       | `verify(gold, pred)`                                 |
 * | gold unparseable             | accuracy 1.0, cosine 1.0, len "correct"                               | `null` (skipped, NaN-aware sum)                      |
 * | verifier failure             | accuracy 0.0, cosine/len "wrong"                                      | `null`                                               |
 * | cosine length                | characters (code points), x unclamped (periodic past `max_len`)        | tokens (`ctx.completionTokenCounts`), x ≤ 1          |
 * | cosine `min_value_wrong`     | 0.0 (open-rs script default)                                          | −1.0 (function default)                              |
 * | cosine prediction boxes      | `boxed=True` quirk: boxes not unwrapped by normalization              | same as accuracy                                     |
 * | rule rewards (format, tags, steps, repetition, soft overlong) | identical                           | identical                                            |
 *
 * Both modes count rows that could not be verified (gold unparseable, verifier failure) in
 * `ScoreResult.unverifiable` (metric `debug/rewards/unverifiable`); no reward logs anything.
 */
import { processState } from "../control/process-state";
import { accuracyReward, cosineScaledReward, lenReward } from "./accuracy";
import { type RewardParams, type RewardParamsInput, validateRewardParams } from "./params";
import {
  formatReward,
  formatRewardR1,
  reasoningStepsReward,
  repetitionPenaltyReward,
  softOverlongPunishmentReward,
  tagCountReward,
  tagCountRewardR1,
} from "./rules";
import type { NamedRewardFn, RewardFn } from "./types";

/** A registry entry: the metric name, a factory taking the recipe's reward params, and one line of docs. */
export interface RewardEntry {
  /** Metric name (open-r1's Python function name): logged as `rewards/<name>/mean`. */
  readonly name: string;
  /** Builds the reward from the recipe's params (each factory reads only its own keys). */
  readonly factory: (params: RewardParams) => RewardFn;
  /** One line for docs and error messages. */
  readonly description: string;
}

/** Built-in rewards, keyed like open-r1's `reward_funcs` recipe field. */
export const REWARD_REGISTRY = {
  accuracy: {
    name: "accuracy_reward",
    factory: () => accuracyReward(),
    description: "1/0 by Math-Verify-style answer verification against the gold answer",
  },
  format: {
    name: "format_reward",
    factory: () => formatReward(),
    description: 'open-rs: 1 iff "\\n</think>\\n" occurs exactly once',
  },
  format_r1: {
    name: "format_reward_r1",
    factory: () => formatRewardR1(),
    description: "open-r1: 1 iff the text matches <think>\\n…\\n</think>\\n<answer>\\n…\\n</answer>",
  },
  tag_count: {
    name: "tag_count_reward",
    factory: () => tagCountReward(),
    description: 'open-rs: 0.5 each for "<think>\\n" and "\\n</think>\\n" occurring once',
  },
  tag_count_r1: {
    name: "tag_count_reward_r1",
    factory: () => tagCountRewardR1(),
    description: "open-r1: 0.25 each for the four think/answer tags occurring once",
  },
  cosine: {
    name: "cosine_scaled_reward",
    factory: (p) => cosineScaledReward(p),
    description: "correctness scaled by a cosine of the length (Yeo et al. 2025); cosine_* params",
  },
  reasoning_steps: {
    name: "reasoning_steps_reward",
    factory: () => reasoningStepsReward(),
    description: "min(1, #step markers / 3)",
  },
  repetition_penalty: {
    name: "repetition_penalty_reward",
    factory: (p) => repetitionPenaltyReward(p),
    description: "word n-gram repetition penalty in [max_penalty, 0]; repetition_* params",
  },
  length: {
    name: "len_reward",
    factory: () => lenReward(),
    description: "Kimi k1.5 length reward over the completions of one call",
  },
  soft_overlong_punishment: {
    name: "soft_overlong_punishment_reward",
    factory: (p) => softOverlongPunishmentReward(p),
    description: "DAPO soft overlong punishment on token counts; max_completion_len, soft_punish_cache",
  },
} as const satisfies Record<string, RewardEntry>;

/** A built-in reward key. */
export type BuiltinRewardKey = keyof typeof REWARD_REGISTRY;

/** A resolved reward, ready for `scoreRewards`. */
export interface WeightedReward {
  /** The registry key it was resolved from. */
  readonly key: string;
  /** Metric name (`rewards/<name>/mean`). */
  readonly name: string;
  /** Weight in the total `Σ_k w_k · r_k`. */
  readonly weight: number;
  /** The reward function. */
  readonly fn: RewardFn;
}

interface UserEntry extends RewardEntry {
  readonly weight: number;
}

// One registry per process, even when this module is loaded twice (a notebook kernel can do that).
const userRewards = processState("user-rewards", () => new Map<string, UserEntry>());

function isBuiltin(key: string): key is BuiltinRewardKey {
  return Object.hasOwn(REWARD_REGISTRY, key);
}

/** Every key `resolveRewards` accepts: built-ins first, then user registrations. */
export function rewardKeys(): string[] {
  return [...Object.keys(REWARD_REGISTRY), ...userRewards.keys()];
}

/** Look up one entry with its default weight; unknown keys throw listing the valid ones. */
export function getRewardEntry(key: string): RewardEntry & { weight: number } {
  if (isBuiltin(key)) return { ...REWARD_REGISTRY[key], weight: 1.0 };
  const user = userRewards.get(key);
  if (user !== undefined) return user;
  throw new Error(`unknown reward "${key}"; valid keys: ${rewardKeys().join(", ")}`);
}

/**
 * Resolve recipe reward keys into weighted reward functions.
 * @param names registry keys, e.g. `["format", "cosine"]` (Open-RS Exp 3).
 * @param weights one weight per name (TRL `reward_weights`); omitted/null → each entry's default (1.0 for built-ins).
 * @param params reward params, open-r1 script-argument names (e.g. `{ cosine_max_len: 3584 }`); null values = default.
 * @throws Error naming the problem: unknown key (lists valid keys), weights length mismatch, non-finite
 *   weight, unknown param, two rewards with the same metric name.
 */
export function resolveRewards(
  names: string[],
  weights?: number[] | null,
  params?: RewardParamsInput | null,
): WeightedReward[] {
  if (!Array.isArray(names) || names.length === 0) {
    throw new Error(`reward_funcs must be a non-empty array of keys; valid keys: ${rewardKeys().join(", ")}`);
  }
  if (weights !== undefined && weights !== null && weights.length !== names.length) {
    throw new Error(
      `reward_weights has ${weights.length} entries but reward_funcs has ${names.length} (${names.join(", ")}); ` +
        "give one weight per reward or omit reward_weights",
    );
  }
  const p = validateRewardParams(params);
  const seen = new Set<string>();
  return names.map((key, i) => {
    const entry = getRewardEntry(key);
    const weight = weights?.[i] ?? entry.weight;
    if (typeof weight !== "number" || !Number.isFinite(weight)) {
      throw new Error(`reward_weights[${i}] for "${key}" must be a finite number, got ${String(weight)}`);
    }
    if (seen.has(entry.name)) {
      throw new Error(`reward "${key}" appears twice (metric name "${entry.name}"); list each reward once`);
    }
    seen.add(entry.name);
    return { key, name: entry.name, weight, fn: entry.factory(p) };
  });
}

/** Options for {@link registerReward}. */
export interface RegisterRewardOptions {
  /** Default weight when `resolveRewards` gets no weights. Default 1.0. */
  weight?: number;
  /** Metric name. Default: the function's `rewardName` if it has one, else the key. */
  name?: string;
  /** One line for docs. */
  description?: string;
}

/**
 * Register a user reward so that `resolveRewards([key])` uses it like a built-in. Pass a reward function, or
 * `{ factory }` to receive the recipe's reward params. Re-registering the same user key replaces it (notebook
 * cells re-run); built-in keys cannot be replaced.
 * @example registerReward("short", (cs) => cs.map((c) => (c.length < 500 ? 1 : 0)), { weight: 0.5 });
 */
export function registerReward(
  key: string,
  reward: RewardFn | { factory: (params: RewardParams) => RewardFn },
  opts: RegisterRewardOptions = {},
): void {
  if (typeof key !== "string" || !/^[A-Za-z_][\w.-]*$/.test(key)) {
    throw new Error(
      `reward key must be an identifier-like string (letters, digits, _ . -), got ${String(key)}`,
    );
  }
  if (isBuiltin(key)) {
    throw new Error(
      `"${key}" is a built-in reward; choose another key (built-ins: ${Object.keys(REWARD_REGISTRY).join(", ")})`,
    );
  }
  const weight = opts.weight ?? 1.0;
  if (!Number.isFinite(weight))
    throw new Error(`registerReward("${key}"): weight must be finite, got ${weight}`);
  let factory: (params: RewardParams) => RewardFn;
  let fnName: string | undefined;
  if (typeof reward === "function") {
    factory = () => reward;
    fnName = (reward as Partial<NamedRewardFn>).rewardName;
  } else if (reward !== null && typeof reward === "object" && typeof reward.factory === "function") {
    factory = reward.factory;
  } else {
    throw new Error(`registerReward("${key}"): pass a reward function or { factory: (params) => rewardFn }`);
  }
  const name = opts.name ?? fnName ?? key;
  userRewards.set(key, { name, factory, description: opts.description ?? "user reward", weight });
}

/** Remove a user reward (built-ins cannot be removed). Returns whether it existed. */
export function unregisterReward(key: string): boolean {
  return userRewards.delete(key);
}

/**
 * Reward parameters, named exactly like open-r1's `GRPOScriptArguments` fields so that a recipe's keys load
 * verbatim. Every field is optional; a missing field takes the default listed (some defaults depend on the
 * mode, resolved at call time from `ctx.mode`).
 */
export interface RewardParams {
  /**
   * Cosine reward for a wrong answer at length 0 (x = 0). Default: faithful **0.0** (open-r1@5dcfae8 /
   * open-rs script default, what Open-RS ran), fixed **−1.0** (the function default in open-r1/TRL).
   */
  cosine_min_value_wrong?: number;
  /** Cosine reward for a wrong answer at x = 1. Default −0.5 (both modes; Open-RS −0.5). */
  cosine_max_value_wrong?: number;
  /** Cosine reward for a correct answer at x = 1. Default 0.5 (both modes; Open-RS 0.5). */
  cosine_min_value_correct?: number;
  /** Cosine reward for a correct answer at x = 0. Default 1.0 (both modes; Open-RS 1.0). */
  cosine_max_value_correct?: number;
  /**
   * Length at which the cosine reaches its end value: characters in faithful mode, tokens in fixed mode.
   * Default 1000 (open-r1); Open-RS Exp 3 used 3584.
   */
  cosine_max_len?: number;
  /** n of the n-grams for `repetition_penalty`. Default 3 (open-r1). Integer ≥ 1. */
  repetition_n_grams?: number;
  /** Most negative repetition penalty; must be ≤ 0. Default −1.0 (open-r1). */
  repetition_max_penalty?: number;
  /**
   * DAPO soft-overlong `L_max` in tokens. Default: `ctx.maxCompletionLength` when the trainer supplies it,
   * else 16384 (open-r1 script default).
   */
  max_completion_len?: number;
  /** DAPO soft-overlong cache `C` in tokens (the soft-penalty window before `L_max`). Default 4096 (open-r1). */
  soft_punish_cache?: number;
}

/** Defaults for the mode-independent fields of {@link RewardParams}. */
export const REWARD_PARAM_DEFAULTS = Object.freeze({
  cosine_max_value_wrong: -0.5,
  cosine_min_value_correct: 0.5,
  cosine_max_value_correct: 1.0,
  cosine_max_len: 1000,
  repetition_n_grams: 3,
  repetition_max_penalty: -1.0,
  soft_punish_cache: 4096,
});

/** `cosine_min_value_wrong` per mode: faithful is the open-rs script default, fixed the function default. */
export const COSINE_MIN_VALUE_WRONG = Object.freeze({ faithful: 0.0, fixed: -1.0 });

/** Fallback for `max_completion_len` when neither params nor `ctx.maxCompletionLength` give it. */
export const DEFAULT_MAX_COMPLETION_LEN = 16384;

/** The reward parameters' names (open-r1 script-argument names): also the GRPO config's reward fields. */
export const REWARD_PARAM_KEYS: ReadonlyArray<keyof RewardParams> = [
  "cosine_min_value_wrong",
  "cosine_max_value_wrong",
  "cosine_min_value_correct",
  "cosine_max_value_correct",
  "cosine_max_len",
  "repetition_n_grams",
  "repetition_max_penalty",
  "max_completion_len",
  "soft_punish_cache",
];

/** Params as a config may hold them: `null` (or absent) means "the reward's default". */
export type RewardParamsInput = { [K in keyof RewardParams]?: number | null };

/**
 * Check a params object at the boundary: unknown keys and non-finite numbers throw an Error that names the
 * field and the valid keys. `null`/`undefined` values mean "default" and are dropped. Returns a clean copy.
 */
export function validateRewardParams(params: unknown): RewardParams {
  if (params === undefined || params === null) return {};
  if (typeof params !== "object" || Array.isArray(params)) {
    throw new Error(
      `reward params must be an object of { ${REWARD_PARAM_KEYS.join(", ")} }, got ${typeof params}`,
    );
  }
  const out: RewardParams = {};
  for (const [key, value] of Object.entries(params as Record<string, unknown>)) {
    if (!(REWARD_PARAM_KEYS as readonly string[]).includes(key)) {
      throw new Error(`unknown reward param "${key}"; valid keys: ${REWARD_PARAM_KEYS.join(", ")}`);
    }
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new Error(`reward param "${key}" must be a finite number or null, got ${String(value)}`);
    }
    out[key as keyof RewardParams] = value;
  }
  if (out.cosine_max_len !== undefined && out.cosine_max_len <= 0) {
    throw new Error(`reward param "cosine_max_len" must be > 0, got ${out.cosine_max_len}`);
  }
  return out;
}

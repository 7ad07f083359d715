/**
 * Verifier-based rewards: `accuracy_reward`, `cosine_scaled_reward`, `len_reward`. Mode semantics (see the
 * table in registry.ts and README.md): faithful = open-rs @2889c47 / open-r1 @5dcfae8, fixed = current TRL.
 */
import { type JudgeVariant, judgeCompletions, type Verdict, type VerifierLike } from "./judge";
import { named } from "./named";
import { COSINE_MIN_VALUE_WRONG, REWARD_PARAM_DEFAULTS, type RewardParams } from "./params";
import { asText, codePointLength } from "./text";
import type { NamedRewardFn, RewardBatch, RewardContext } from "./types";

/** Options of the verifier-based reward factories. */
export interface JudgeOptions {
  /** Verifier to use; default the real one (src/verify). Tests inject a fake to pin argument order. */
  verifier?: VerifierLike;
}

async function verdictsFor(
  completions: readonly unknown[],
  batch: RewardBatch,
  ctx: RewardContext,
  variant: JudgeVariant,
  verifier: VerifierLike | undefined,
): Promise<Verdict[]> {
  try {
    return await judgeCompletions(completions, batch, ctx, variant, verifier);
  } catch {
    return completions.map(() => "error");
  }
}

/**
 * `accuracy_reward`: 1.0 if the completion's answer verifies against the gold, else 0.0.
 * - faithful: gold unparseable → **1.0**; verifier failure → **0.0**; `verify(pred, gold)`.
 * - fixed: gold unparseable → `null`; verifier failure → `null`; `verify(gold, pred)`.
 */
export function accuracyReward(options: JudgeOptions = {}): NamedRewardFn {
  return named("accuracy_reward", async (completions, batch, ctx) => {
    const fixed = ctx.mode === "fixed";
    const verdicts = await verdictsFor(completions, batch, ctx, "accuracy", options.verifier);
    return verdicts.map((v) => {
      if (v === "correct") return 1.0;
      if (v === "wrong") return 0.0;
      if (fixed) return null;
      return v === "no_gold" ? 1.0 : 0.0;
    });
  });
}

/**
 * Verdicts for the length-shaped rewards (cosine, len): fixed mode judges as `accuracy_reward` does, faithful
 * mode as open-rs's length rewards did (see judge.ts).
 */
function lengthRewardVerdicts(
  completions: readonly unknown[],
  batch: RewardBatch,
  ctx: RewardContext,
  verifier: VerifierLike | undefined,
): Promise<Verdict[]> {
  return verdictsFor(completions, batch, ctx, ctx.mode === "fixed" ? "accuracy" : "length", verifier);
}

/** The cosine schedule of Yeo et al. (2025) App. C.1 at progress x. Pure; exported for tests and plots. */
export function cosineSchedule(x: number, correct: boolean, values: CosineValues): number {
  const c = Math.cos(Math.PI * x);
  const [lo, hi] = correct
    ? [values.min_value_correct, values.max_value_correct]
    : [values.max_value_wrong, values.min_value_wrong]; // swapped for wrong answers, as upstream
  return lo + 0.5 * (hi - lo) * (1.0 + c);
}

/** The four end values of the cosine schedule (names as open-r1's `get_cosine_scaled_reward` arguments). */
export interface CosineValues {
  min_value_wrong: number;
  max_value_wrong: number;
  min_value_correct: number;
  max_value_correct: number;
}

/** Resolve the cosine end values for a mode (`cosine_min_value_wrong` default depends on it). */
export function cosineValues(params: RewardParams, mode: RewardContext["mode"]): CosineValues {
  return {
    min_value_wrong:
      params.cosine_min_value_wrong ?? COSINE_MIN_VALUE_WRONG[mode === "fixed" ? "fixed" : "faithful"],
    max_value_wrong: params.cosine_max_value_wrong ?? REWARD_PARAM_DEFAULTS.cosine_max_value_wrong,
    min_value_correct: params.cosine_min_value_correct ?? REWARD_PARAM_DEFAULTS.cosine_min_value_correct,
    max_value_correct: params.cosine_max_value_correct ?? REWARD_PARAM_DEFAULTS.cosine_max_value_correct,
  };
}

/**
 * `cosine_scaled_reward`: `lo + ½(hi − lo)(1 + cos πx)` with (lo, hi) = (min_correct, max_correct) if correct
 * else (max_wrong, min_wrong).
 * - faithful: x = characters (Python `len`, code points) / `cosine_max_len`, **not clamped** (periodic past 1);
 *   `cosine_min_value_wrong` default 0.0; gold unparseable → 1.0; verifier failure → scored as wrong (Python
 *   would raise); prediction normalized with `boxed=True` (no box unwrapping).
 * - fixed: x = `min(1, ctx.completionTokenCounts[i] / cosine_max_len)`; default −1.0; correctness exactly as
 *   fixed `accuracy_reward`; gold unparseable or verifier failure → `null`.
 */
export function cosineScaledReward(params: RewardParams = {}, options: JudgeOptions = {}): NamedRewardFn {
  const maxLen = params.cosine_max_len ?? REWARD_PARAM_DEFAULTS.cosine_max_len;
  if (!(maxLen > 0)) throw new Error(`cosine_max_len must be > 0, got ${maxLen}`);
  return named("cosine_scaled_reward", async (completions, batch, ctx) => {
    const fixed = ctx.mode === "fixed";
    const values = cosineValues(params, ctx.mode);
    const verdicts = await lengthRewardVerdicts(completions, batch, ctx, options.verifier);
    return verdicts.map((v, i) => {
      if (v === "no_gold") return fixed ? null : 1.0;
      if (v === "error" && fixed) return null;
      let x: number;
      if (fixed) {
        const tokens = ctx.completionTokenCounts?.[i];
        x = Math.min(1.0, (typeof tokens === "number" && Number.isFinite(tokens) ? tokens : 0) / maxLen);
      } else {
        x = codePointLength(asText(completions[i])) / maxLen;
      }
      return cosineSchedule(x, v === "correct", values);
    });
  });
}

/**
 * `len_reward` (Kimi k1.5), computed over the completions of **one call** (the local batch, not per group):
 * L = characters (code points) in both modes; all lengths equal → 0 for every row; else
 * `λ = 0.5 − (L − Lmin)/(Lmax − Lmin)`, reward `λ` if correct else `min(0, λ)`.
 * - faithful: gold unparseable → treated as correct; verifier failure → treated as wrong.
 * - fixed: those rows score `null` (they still count in Lmin/Lmax).
 */
export function lenReward(options: JudgeOptions = {}): NamedRewardFn {
  return named("len_reward", async (completions, batch, ctx) => {
    const fixed = ctx.mode === "fixed";
    const verdicts = await lengthRewardVerdicts(completions, batch, ctx, options.verifier);
    const lengths = completions.map((c) => codePointLength(asText(c)));
    if (lengths.length === 0) return [];
    const lmin = Math.min(...lengths);
    const lmax = Math.max(...lengths);
    return verdicts.map((v, i) => {
      if (fixed && (v === "no_gold" || v === "error")) return null;
      if (lmax === lmin) return 0.0;
      const lambda = 0.5 - (lengths[i] - lmin) / (lmax - lmin);
      const correct = v === "correct" || v === "no_gold";
      return correct ? lambda : Math.min(0, lambda);
    });
  });
}

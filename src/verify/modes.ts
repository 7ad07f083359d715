/**
 * The parse and verify configurations of the three modes, exactly as the code each one follows calls
 * Math-Verify (README "Answer verification by mode" shows them side by side). Rewards (src/rewards/judge.ts)
 * and evaluation (src/eval/scoring.ts) take them from here.
 */
import type { ParseOptions, VerifyOptions } from "./types";

/** One mode: how the gold and the prediction are parsed, how they are compared, and in which argument order. */
export interface ModeConfig {
  /** `parse(gold, …)`. */
  gold: ParseOptions;
  /** `parse(prediction, …)`. */
  pred: ParseOptions;
  /** `verify(…, …, options)`. */
  verify: VerifyOptions;
  /** `"pred, gold"`: `verify(prediction, gold)` (open-rs's reversed order); `"gold, pred"`: the API order. */
  order: "pred, gold" | "gold, pred";
}

/** open-rs's prediction normalisation: `NormalizationConfig(nits=False, malformed_operators=False, …)`. */
function openRsPred(boxed: "all" | "none"): ParseOptions {
  return {
    extraction: [
      {
        kind: "latex",
        boxedMatchPriority: 0,
        tryExtractWithoutAnchor: false,
        normalization: {
          nits: false,
          malformed_operators: false,
          basic_latex: true,
          equations: true,
          boxed,
          units: true,
        },
      },
    ],
    extractionMode: "first_match",
    version: "0.5.2",
  };
}

/**
 * Faithful: knoveleng/open-rs@2889c47 `src/open_r1/rewards.py` with Math-Verify 0.5.2 (pinned in its
 * `setup.py`). `accuracy_reward`: gold `parse(sol, extraction_mode="first_match",
 * extraction_config=[LatexExtractionConfig()])`, prediction as {@link openRsPred} with `boxed="all"`,
 * `verify(answer_parsed, gold_parsed)` with its defaults (precision 6, strict).
 */
export const FAITHFUL: Readonly<ModeConfig> = Object.freeze<ModeConfig>({
  gold: { extraction: [{ kind: "latex" }], extractionMode: "first_match", version: "0.5.2" },
  pred: openRsPred("all"),
  verify: { precision: 6, strict: true, version: "0.5.2" },
  order: "pred, gold",
});

/**
 * Faithful `cosine_scaled_reward` and `len_reward` (same file): as {@link FAITHFUL} but the prediction's
 * `NormalizationConfig(boxed=True)`, which latex2sympy2_extended treats as neither "all" nor "last": boxes are
 * not unwrapped during normalisation (a bare `\boxed{}` match is still unwrapped by Math-Verify).
 */
export const FAITHFUL_LENGTH: Readonly<ModeConfig> = Object.freeze<ModeConfig>({
  ...FAITHFUL,
  pred: openRsPred("none"),
});

/**
 * Fixed: huggingface/open-r1@1416fa0 `src/open_r1/rewards.py` `accuracy_reward` (Math-Verify 0.5.2, pinned in
 * its `setup.py`): gold `parse(sol, extraction_mode="first_match")` with the default targets
 * `[LatexExtractionConfig(), ExprExtractionConfig()]`, the prediction as open-rs's (`boxed="all"`, nits and
 * malformed operators off: `\dfrac12` and `\sqrt2` do not parse), `verify(gold_parsed, answer_parsed)`.
 * Fixed-mode cosine and length rewards judge correctness the same way.
 */
export const FIXED: Readonly<ModeConfig> = Object.freeze<ModeConfig>({
  gold: { extractionMode: "first_match", version: "0.5.2" },
  pred: openRsPred("all"),
  verify: { precision: 6, strict: true, version: "0.5.2" },
  order: "gold, pred",
});

/** Evaluation: the gold config depends on the benchmark's gold kind. */
export type EvalConfig = { latexGold: ParseOptions; exprGold: ParseOptions } & Omit<ModeConfig, "gold">;

/**
 * Evaluation: lighteval@ed084813 `multilingual_extractive_match_metric` as knoveleng/open-rs@2889c47
 * `src/open_r1/evaluate.py` configures it: predictions `(ExprExtractionConfig(),
 * LatexExtractionConfig(boxed_match_priority=0))` — lighteval sorts LaTeX targets before expression targets
 * (`extractive_match_utils.py` `get_extraction_regexes`) — gold `LatexExtractionConfig()` whose boxed
 * priority defaults to 55 in lighteval (MATH-500, Minerva, OlympiadBench) or `ExprExtractionConfig()` (AIME,
 * AMC); `fallback_mode="first_match"`, `extraction_mode="any_match"`, `precision=5`, `timeout_seconds=5`. The raw
 * gold string is used when gold extraction finds nothing (src/eval/scoring.ts).
 */
export const EVAL: Readonly<EvalConfig> = Object.freeze<EvalConfig>({
  latexGold: {
    extraction: [{ kind: "latex", boxedMatchPriority: 55 }],
    extractionMode: "any_match",
    fallbackMode: "first_match",
    version: "0.5.2",
  },
  exprGold: {
    extraction: [{ kind: "expr" }],
    extractionMode: "any_match",
    fallbackMode: "first_match",
    version: "0.5.2",
  },
  pred: {
    extraction: [{ kind: "latex", boxedMatchPriority: 0 }, { kind: "expr" }],
    extractionMode: "any_match",
    fallbackMode: "first_match",
    version: "0.5.2",
  },
  verify: { precision: 5, strict: true, timeoutMs: 5000, version: "0.5.2" },
  order: "gold, pred",
});

/**
 * Public types of the answer verifier (a TypeScript port of HF Math-Verify 0.5.2 semantics).
 *
 * The pipeline is `parse(text) → ParsedAnswer[]` (synchronous, pure) then
 * `verify(gold, target) → Promise<boolean>` (string/number fast paths in the calling thread,
 * compute-engine checks in a worker pool with a hard timeout).
 */

/**
 * Which upstream behaviour to follow where Math-Verify versions differ. `"0.5.2"`: Math-Verify 0.5.2 with
 * latex2sympy2_extended 1.0.6, what Open-RS, open-r1 and lighteval pinned. `"later"`: the later behaviours
 * this port implements (Math-Verify @5d148cf, latex2sympy2_extended @02999f5), listed in src/verify/README.md.
 */
export type UpstreamVersion = "0.5.2" | "later";

/**
 * LaTeX normalisation switches, mirroring latex2sympy2_extended 1.0.6's `NormalizationConfig`.
 * Math-Verify 0.5.2's `LatexExtractionConfig` default is all true with `boxed: "all"` (`DEFAULT_NORMALIZATION`).
 */
export interface NormalizationConfig {
  /** `\left`/`\right`, `\dfrac`/`\tfrac`, `\mathrm`/`\textbf` → `\text`, `$`, `\displaystyle`, `and`/`or` → `;`. */
  basic_latex: boolean;
  /** Strip trailing unit words (`cm`, `degrees`, `\text{ inches}^2`). */
  units: boolean;
  /** Repair `\frac12`, `\sqrt2`, `^(x)`, `a/b` for integers. */
  malformed_operators: boolean;
  /** Small fixes: leading `.5` → `0.5`, `0.5` → `\frac{1}{2}`. */
  nits: boolean;
  /** Unwrap `\boxed{}`/`\fbox{}`: `"all"` joins every box with `,`, `"last"` keeps the last group, `"none"`. */
  boxed: "all" | "last" | "none";
  /** Keep only the last part of an `a = b = c` chain (unless the answer has `,` or `;`). */
  equations: boolean;
}

/** Extract LaTeX (math environments, `\boxed{}`, "final answer is $…$"). */
export interface LatexExtraction {
  kind: "latex";
  /** Priority of `\boxed{}` matches (lower is tried first); default 50, open-r1 uses 0 for predictions; -1 disables. */
  boxedMatchPriority?: number;
  /** Also match LaTeX without an anchor such as "answer" (priority 300); default true. */
  tryExtractWithoutAnchor?: boolean;
  /**
   * Normalisation, as Python's `LatexExtractionConfig(normalization_config=NormalizationConfig(…))`: omitted,
   * everything is on (`DEFAULT_NORMALIZATION`); given, the fields it leaves out take the dataclass defaults
   * (`NORMALIZATION_CONFIG_DEFAULTS`: basic_latex on, boxed "all", the rest off), so `{ units: true }` means
   * `NormalizationConfig(units=True)`.
   */
  normalization?: Partial<NormalizationConfig>;
}

/** Extract plain numbers and simple expressions such as `1/2` or `1,234.5`. */
export interface ExprExtraction {
  kind: "expr";
  /** Also match bare numbers/expressions anywhere (priority 300); default true. */
  tryExtractWithoutAnchor?: boolean;
}

/** One extraction target; `parse` tries all targets' patterns merged by priority. */
export type ExtractionTarget = LatexExtraction | ExprExtraction;

/** Options of {@link parse}; defaults follow Math-Verify 0.5.2 `parse`. */
export interface ParseOptions {
  /** Targets to extract; default `[{kind:"latex"}, {kind:"expr"}]`. */
  extraction?: ExtractionTarget[];
  /** `first_match`: only the rightmost match of the first matching priority is tried; default `any_match`. */
  extractionMode?: "first_match" | "any_match";
  /** `first_match` (default) also returns the first matched raw string as a string-only fallback. */
  fallbackMode?: "first_match" | "no_fallback";
  /**
   * Upstream version to follow where extraction differs (grouping of several boxes, "and"/"or", percent words,
   * thousands separators); default `"0.5.2"`.
   */
  version?: UpstreamVersion;
}

/** A parsed answer: the normalised candidate(s), in Math-Verify's order; empty array = nothing extracted. */
export interface ParsedAnswer {
  /** Normalised text fed to the equivalence engine. */
  latex: string;
  /** The matched string. */
  raw: string;
  /**
   * True for Math-Verify's string fallback (`fallbackMode: "first_match"`): it is compared only with other
   * fallback strings, by exact equality after trimming (Math-Verify's str-vs-str rule).
   */
  fallback?: boolean;
}

/** Options of {@link verify}. */
export interface VerifyOptions {
  /**
   * Decimal places used when one side is a decimal number (Math-Verify `float_rounding`): both sides are
   * rounded to this many places and compared. Default 6; lighteval's extractive_match uses 5.
   */
  precision?: number;
  /** Hard wall-clock limit per compute-engine comparison, in ms; past it the worker is killed → false. Default 3000. */
  timeoutMs?: number;
  /** Math-Verify `strict`: variables matter (default true). With false, `f(x)` equals `f(y)`. */
  strict?: boolean;
  /**
   * Percent policy: `"fraction"` (default, Math-Verify) reads `10\%` as 0.1, so it equals `0.1` but not `10`;
   * `"either"` also accepts the bare number (`10\%` = `10`).
   */
  percent?: "fraction" | "either";
  /**
   * Upstream version to follow where comparison differs; default `"0.5.2"`. `"later"` also rounds a decimal
   * against an irrational value (`\sqrt{2}` = 1.414214) and equates proportional equations.
   */
  version?: UpstreamVersion;
}

/**
 * Scoring one completion as lighteval's `extractive_match` did for Open-RS: gold prepared per benchmark,
 * prediction extracted, equivalence checked.
 */
import { parse, verify } from "../verify/index";
import { EVAL } from "../verify/modes";
import type { ExtractionTarget, ParsedAnswer } from "../verify/types";
import type { GoldKind } from "./benchmarks";

/**
 * lighteval's `extractive_match` as Open-RS ran it (docs/references.md, "Open-RS evaluation"; the configs, with upstream commits, are
 * `EVAL` in src/verify/modes.ts): predictions extracted with `(ExprExtractionConfig(),
 * LatexExtractionConfig(boxed_match_priority=0))` (lighteval tries LaTeX targets first), gold with the
 * benchmark's config, `extraction_mode="any_match"`, `fallback_mode="first_match"`, `precision=5`, a 5 s
 * timeout, and the raw gold string when gold extraction finds nothing.
 */
export const PRED_EXTRACTION: readonly ExtractionTarget[] = Object.freeze([...(EVAL.pred.extraction ?? [])]);

/** Verifier precision (decimal places) used by lighteval's extractive match. */
export const MATCH_PRECISION = EVAL.verify.precision ?? 5;
/** Per-comparison timeout of the verifier, ms (lighteval `timeout_seconds=5`). */
export const MATCH_TIMEOUT_MS = EVAL.verify.timeoutMs ?? 5000;

/** A gold answer parsed once per problem. */
export interface PreparedGold {
  /** Extracted candidates, or the raw gold string as a fallback-only candidate when extraction failed. */
  parsed: ParsedAnswer[];
  /** True when extraction failed and the raw string is used. */
  raw: boolean;
}

/** Parses a gold text with the benchmark's extraction config. */
export function prepareGold(gold: string, kind: GoldKind): PreparedGold {
  // lighteval's LatexExtractionConfig() puts boxed matches at priority 55 (Math-Verify's default is 50).
  const parsed = parse(gold, kind === "latex" ? EVAL.latexGold : EVAL.exprGold);
  if (parsed.length > 0) return { parsed, raw: false };
  return { parsed: [{ latex: gold, raw: gold, fallback: true }], raw: true };
}

/** Parses a completion with the prediction extraction config. */
export function parsePrediction(completion: string): ParsedAnswer[] {
  return parse(completion, EVAL.pred);
}

/** 1 if any gold candidate matches any extracted prediction, else 0 (lighteval aggregation `max`). */
export async function scoreCompletion(completion: string, gold: PreparedGold): Promise<boolean> {
  const pred = parsePrediction(completion);
  if (pred.length === 0) return false;
  return verify(gold.parsed, pred, EVAL.verify);
}

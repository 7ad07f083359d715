/**
 * The one boundary between rewards and the answer verifier (src/verify). Turns (completion, row) pairs into
 * verdicts with the exact parse configurations and argument order of each mode; the verifier owns timeouts.
 * Never throws: any failure becomes the `error` verdict.
 */
import { parse, verify } from "../verify";
import type { ParsedAnswer, ParseOptions } from "../verify/types";
import type { RewardBatch, RewardContext } from "./types";

/** The two verifier calls rewards need; injectable so tests can pin argument order with a fake. */
export interface VerifierLike {
  parse(text: string, opts?: ParseOptions): ParsedAnswer[];
  verify(gold: ParsedAnswer[], target: ParsedAnswer[]): Promise<boolean>;
}

/** The real verifier (src/verify), with its default precision and timeout. */
export const DEFAULT_VERIFIER: VerifierLike = {
  parse: (t, o) => parse(t, o),
  verify: (g, t) => verify(g, t),
};

/** Outcome of judging one completion against its row's gold answer. */
export type Verdict = "correct" | "wrong" | "no_gold" | "error";

/**
 * Which prediction normalization to use. open-rs `accuracy_reward` passes `boxed="all"`; its
 * `cosine_scaled_reward` and `len_reward` pass `boxed=True`, which latex2sympy2_extended treats as neither
 * "all" nor "last", i.e. no box unwrapping during normalization (reference §2.5 "Minor").
 */
export type JudgeVariant = "accuracy" | "length";

/** open-rs gold: `parse(solution, extraction_mode="first_match", extraction_config=[LatexExtractionConfig()])`. */
const FAITHFUL_GOLD: ParseOptions = { extraction: [{ kind: "latex" }], extractionMode: "first_match" };

/** open-rs prediction config; `boxed` differs between accuracy ("all") and cosine/len (`True` → "none"). */
function faithfulPred(variant: JudgeVariant): ParseOptions {
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
          boxed: variant === "accuracy" ? "all" : "none",
          units: true,
        },
      },
    ],
    extractionMode: "first_match",
  };
}

/** Current TRL gold: `parse(sol)` with Math-Verify defaults ([Latex, Expr], any_match). */
const FIXED_GOLD: ParseOptions = {};

/** Current TRL prediction: `LatexExtractionConfig(NormalizationConfig(units=True), boxed_match_priority=0,
 * try_extract_without_anchor=False)`, first_match (all other normalization flags at their True defaults). */
const FIXED_PRED: ParseOptions = {
  extraction: [
    { kind: "latex", boxedMatchPriority: 0, tryExtractWithoutAnchor: false, normalization: { units: true } },
  ],
  extractionMode: "first_match",
};

/**
 * Gold text for one row. Faithful: the `solution` column (Open-RS); rows without one fall back to the fixed
 * rule (Open-RS would raise KeyError). Fixed: `answer` when present and non-empty, wrapped as
 * `Therefore, the final answer is: $\boxed{…}$` (outer `$…$` stripped first; an answer with other `$` signs is
 * parsed as written), else `solution`.
 */
export function goldText(row: RewardBatch[number] | undefined, mode: RewardContext["mode"]): string {
  if (row === undefined || row === null || typeof row !== "object") return "";
  const solution = typeof row.solution === "string" ? row.solution : undefined;
  if (mode === "faithful" && solution !== undefined) return solution;
  const answer = typeof row.answer === "string" ? row.answer.trim() : "";
  if (answer === "") return solution ?? "";
  const unwrapped = answer.replace(/^\$+([^$]*)\$+$/, "$1");
  if (/(^|[^\\])\$/.test(unwrapped)) return answer;
  return `Therefore, the final answer is: $\\boxed{${unwrapped}}$`;
}

function safeParse(verifier: VerifierLike, text: string, opts: ParseOptions): ParsedAnswer[] | "error" {
  try {
    const out = verifier.parse(text, opts);
    return Array.isArray(out) ? out : "error";
  } catch {
    return "error";
  }
}

async function judgeOne(
  verifier: VerifierLike,
  completion: string,
  gold: ParsedAnswer[] | "error",
  mode: RewardContext["mode"],
  variant: JudgeVariant,
): Promise<Verdict> {
  if (gold === "error") return "error";
  if (gold.length === 0) return "no_gold";
  const pred = safeParse(verifier, completion, mode === "faithful" ? faithfulPred(variant) : FIXED_PRED);
  if (pred === "error") return "error";
  try {
    // Faithful keeps open-rs's reversed order verify(pred, gold); fixed uses the API order verify(gold, pred).
    const ok = mode === "faithful" ? await verifier.verify(pred, gold) : await verifier.verify(gold, pred);
    return ok === true ? "correct" : "wrong";
  } catch {
    return "error";
  }
}

/**
 * Judge every completion against its row's gold answer. Gold parses are memoised per call (rows repeat G
 * times). Rows judged `no_gold` or `error` are added to `ctx.diagnostics.unverifiableRows`.
 */
export async function judgeCompletions(
  completions: readonly unknown[],
  batch: RewardBatch,
  ctx: RewardContext,
  variant: JudgeVariant,
  verifier: VerifierLike = DEFAULT_VERIFIER,
): Promise<Verdict[]> {
  const mode = ctx.mode === "fixed" ? "fixed" : "faithful";
  const goldCache = new Map<string, ParsedAnswer[] | "error">();
  const verdicts = await Promise.all(
    completions.map(async (c, i) => {
      try {
        const text = goldText(batch?.[i], mode);
        let gold = goldCache.get(text);
        if (gold === undefined) {
          gold = safeParse(verifier, text, mode === "faithful" ? FAITHFUL_GOLD : FIXED_GOLD);
          goldCache.set(text, gold);
        }
        return await judgeOne(verifier, typeof c === "string" ? c : String(c ?? ""), gold, mode, variant);
      } catch {
        return "error" as const;
      }
    }),
  );
  verdicts.forEach((v, i) => {
    if (v === "no_gold" || v === "error") ctx.diagnostics?.unverifiableRows.add(i);
  });
  return verdicts;
}

/**
 * The one boundary between rewards and the answer verifier (src/verify). Turns (completion, row) pairs into
 * verdicts with the exact parse configurations and argument order of each mode; the verifier owns timeouts.
 * Never throws: any failure becomes the `error` verdict.
 */
import { parse, verify } from "../verify/index";
import { FAITHFUL, FAITHFUL_LENGTH, FIXED, type ModeConfig } from "../verify/modes";
import type { ParsedAnswer, ParseOptions, VerifyOptions } from "../verify/types";
import type { RewardBatch, RewardContext } from "./types";

/** The two verifier calls rewards need; injectable so tests can pin argument order with a fake. */
export interface VerifierLike {
  parse(text: string, opts?: ParseOptions): ParsedAnswer[];
  verify(gold: ParsedAnswer[], target: ParsedAnswer[], opts?: VerifyOptions): Promise<boolean>;
}

/** The real verifier (src/verify). */
export const DEFAULT_VERIFIER: VerifierLike = {
  parse: (t, o) => parse(t, o),
  verify: (g, t, o) => verify(g, t, o),
};

/** Outcome of judging one completion against its row's gold answer. */
export type Verdict = "correct" | "wrong" | "no_gold" | "error";

/**
 * Which prediction normalization to use. open-rs `accuracy_reward` passes `boxed="all"`; its
 * `cosine_scaled_reward` and `len_reward` pass `boxed=True`, which latex2sympy2_extended treats as neither
 * "all" nor "last", i.e. no box unwrapping during normalization (docs/references.md, "Reward functions"). Fixed mode judges
 * every reward as its `accuracy_reward` does.
 */
export type JudgeVariant = "accuracy" | "length";

/** The parse/verify configuration of a mode and variant (src/verify/modes.ts, with the upstream commits). */
export function judgeConfig(mode: RewardContext["mode"], variant: JudgeVariant): Readonly<ModeConfig> {
  if (mode === "fixed") return FIXED;
  return variant === "accuracy" ? FAITHFUL : FAITHFUL_LENGTH;
}

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
  cfg: Readonly<ModeConfig>,
): Promise<Verdict> {
  if (gold === "error") return "error";
  if (gold.length === 0) return "no_gold";
  const pred = safeParse(verifier, completion, cfg.pred);
  if (pred === "error") return "error";
  try {
    // Faithful keeps open-rs's reversed order verify(pred, gold); fixed uses the API order verify(gold, pred).
    const ok =
      cfg.order === "pred, gold"
        ? await verifier.verify(pred, gold, cfg.verify)
        : await verifier.verify(gold, pred, cfg.verify);
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
  const cfg = judgeConfig(mode, variant);
  const goldCache = new Map<string, ParsedAnswer[] | "error">();
  const verdicts = await Promise.all(
    completions.map(async (c, i) => {
      try {
        const text = goldText(batch?.[i], mode);
        let gold = goldCache.get(text);
        if (gold === undefined) {
          gold = safeParse(verifier, text, cfg.gold);
          goldCache.set(text, gold);
        }
        return await judgeOne(verifier, typeof c === "string" ? c : String(c ?? ""), gold, cfg);
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

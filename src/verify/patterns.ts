/**
 * Extraction regexes, ported from Math-Verify 0.5.2 `parser.py` (`lazy_latex_regex`, `lazy_expr_regex`).
 * Each pattern carries a priority: lower priorities are tried first, see {@link ./extract}.
 */

import type { UpstreamVersion } from "./types";

/** A compiled pattern with its Math-Verify priority and the target kind it extracts. */
export interface PriorityPattern {
  re: RegExp;
  priority: number;
  kind: "latex" | "expr";
  /** True for the bare-boxed pattern, matched by {@link bareBoxedMatch} instead of `re`. */
  manual?: boolean;
}

/** Case-insensitive literal without inline modifiers (`(?i:)` needs a newer V8 than Node 20's). */
function ci(word: string): string {
  return [...word]
    .map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c === " " ? " " : `\\${c}`))
    .join("");
}

const ANSWER = ci("answer");
const FINAL_ANSWER_IS = ci("final answer is");
const FINAL_ANSWER = ci("final answer");

/** Longest content of one math environment that extraction considers. */
export const MAX_ENV = 2000;

/** One LaTeX environment (`$$…$$`, `\[…\]`, `$…$`, `\(…\)`, ` […] `, bare `\frac{a}{b}`) plus a percent suffix. */
function latexEnv(prefix: string, boxed: boolean): string {
  const percent = `(?<${prefix}percent>(?:\\\\?%|[Pp]ercent|[Pp]ercentage|[Pp]ct))`;
  let displayDollar = "(?:[^$]|\\$(?!\\$))";
  let displayBracket = "(?:[^\\\\]|\\\\(?!\\]))";
  let inlineDollar = "(?:\\\\[$]|[^\\n$])";
  let inlineParen = "(?:[^\\\\\\n]|\\\\(?!\\)))";
  let inlineBracket = "[^\\n\\]\\[]";
  // Bounded lengths (Math-Verify uses unbounded lazy repeats): an unclosed `\[` must not cost O(n²).
  const wrap = (c: string) =>
    boxed
      ? `${c}{0,${MAX_ENV}}?\\\\boxed\\{${c}{1,${MAX_ENV}}?\\}${c}{0,${MAX_ENV}}?`
      : `${c}{1,${MAX_ENV}}?`;
  displayDollar = wrap(displayDollar);
  displayBracket = wrap(displayBracket);
  inlineDollar = wrap(inlineDollar);
  inlineParen = wrap(inlineParen);
  inlineBracket = wrap(inlineBracket);
  const parts = [
    `(?<!\\\\)\\$\\$(?<${prefix}latexDisplayDollar>${displayDollar})(?<!\\\\)\\$\\$`,
    `(?<!\\\\)\\\\\\[(?<${prefix}latexDisplayBracket>${displayBracket})(?<!\\\\)\\\\\\]`,
    `(?<!\\\\|\\d)\\$(?<${prefix}latexInlineDollar>${inlineDollar})(?<!\\\\)\\$`,
    `(?<!\\\\)\\\\\\((?<${prefix}latexInlineParenthesis>${inlineParen})(?<!\\\\)\\\\\\)`,
    `\\s\\[(?<${prefix}latexInlineBracket>${inlineBracket})\\]\\s`,
  ];
  if (!boxed) {
    const num = "-?\\d+(?:[.,]\\d+)?";
    parts.push(`(?<${prefix}latexFraction>-?\\\\frac\\{${num}\\}\\{${num}\\})`);
  }
  return `(?:(?:${parts.join("|")})\\s*${percent}?)`;
}

/** Up to 5 further environments joined by `and`/`or`/`,` (they become a set). */
function latexEnvs(boxed: boolean): string {
  let re = latexEnv("first_", boxed);
  for (let i = 1; i <= 5; i++) {
    re += `${boxed ? "\\s*" : ""}(?:\\s*(?:,?and|,?or|,)\\s*${latexEnv(`next${i}_`, boxed)})?`;
  }
  return re;
}

/** Patterns of a LaTeX target (Math-Verify `lazy_latex_regex`). */
export function latexPatterns(boxedPriority: number, withoutAnchor: boolean): PriorityPattern[] {
  const envs = latexEnvs(false);
  const out: Array<[string, number]> = [
    [`${FINAL_ANSWER_IS}:?\\s*${envs}\\.?\\s?I hope`, 0],
    [`${FINAL_ANSWER}[\\s\\S]{0,100}?\\s+is:?\\s*${envs}`, 50],
    [`${ANSWER}:[\\s\\S]{0,50}?${envs}`, 100],
    [`${ANSWER}[\\s\\S]{0,50}?${envs}`, 200],
  ];
  if (withoutAnchor) out.push([envs, 300]);
  if (boxedPriority >= 0) {
    out.push([latexEnvs(true), boxedPriority]);
    // Math-Verify's bare `\\boxed\{.+\}` (greedy, DOTALL) matches at most once: from the first `\\boxed{` to the
    // last `}`. The regex costs O(n²) on many unclosed boxes, so it is found by `bareBoxedMatch` instead.
    out.push([BARE_BOXED, boxedPriority]);
  }
  return out.map(([src, priority]) => ({
    re: new RegExp(src, "g"),
    priority,
    kind: "latex" as const,
    manual: src === BARE_BOXED,
  }));
}

/** Marker source of the bare-boxed pattern (matched by {@link bareBoxedMatch}, never run as a regex). */
export const BARE_BOXED = "(?<first_latexBoxed>\\\\(?:boxed|fbox)\\{[\\s\\S]+\\})";

/**
 * The single match of Math-Verify's greedy bare-boxed regex (extended to `\fbox`): from the first
 * `\boxed{`/`\fbox{` that has a `}` after it, to the last `}` of the text.
 */
export function bareBoxedMatch(text: string): { start: number; value: string } | undefined {
  const last = text.lastIndexOf("}");
  if (last < 0) return undefined;
  const re = /\\(?:boxed|fbox)\{/g;
  const m = re.exec(text);
  if (!m || m.index + m[0].length > last) return undefined;
  return { start: m.index, value: text.slice(m.index, last + 1) };
}

/** Math-Verify's number regex; 0.5.2 lets a thousands group start with 0 (`0,111` reads 111), later not. */
const numberRe = (version: UpstreamVersion) =>
  "(?<!\\d)(?:" +
  `(?<integer1>-?${version === "0.5.2" ? "\\d" : "[1-9]"}\\d{0,2}(?:[ ,]\\d{3})+)(?<decimal1>\\.\\d+)?|` +
  "(?<integer2>-?\\d+)(?<decimal2>[.,]\\d+)|" +
  "(?<decimal3>\\.\\d+)|" +
  "(?<integer3>-?\\d+)" +
  ")(?<percent>\\s*(?:%|[Pp]ercent|\\s*[Pp]ercentage|\\s*[Pp]ct))?";

const OPS = "\\+\\-\\*×\\/\\^\\(\\)÷";
const EXPR_CHARS = `[\\d\\.\\s${OPS}]`;
const EXPR_RE = `(?<expr>-?\\(?-?\\d${EXPR_CHARS}*[${OPS}]${EXPR_CHARS}+\\)?)`;
const CURRENCY = "$€£¥₹₽₪₩₫฿₡₢₣₤₥₦₧₨₭₮₯₰₱₲₳₴₵₶₷₸₺₻₼₾₿".replace(/\$/g, "\\$");
const EXPR_PREFIX = "(?:^|\\s|=)(?:\\*\\*)?";
const EXPR_SUFFIX = "(?:\\*\\*)?(?:\\.|,|:|\\s|\\)|\\$|$)";

/** Patterns of an expression target (Math-Verify `lazy_expr_regex`). */
export function exprPatterns(withoutAnchor: boolean, version: UpstreamVersion = "0.5.2"): PriorityPattern[] {
  const exprAnch = `(?:${EXPR_PREFIX}${EXPR_RE}${EXPR_SUFFIX})`;
  const numAnch = `(?:${EXPR_PREFIX}[${CURRENCY}]?${numberRe(version)})`;
  // Named groups must be unique per RegExp, so `exprOrNumber` is only used once per pattern.
  const either = `(?:${exprAnch}|${numAnch})`;
  const out: Array<[string, number]> = [
    [`${FINAL_ANSWER_IS}:?\\s*${either}\\.?\\s?I hope`, 0],
    [`${FINAL_ANSWER}[^\\n]{0,100}?\\s+is:?${either}`, 50],
    [`${ANSWER}:(?:[^\\n]{0,100}=\\s*|[^\\n]{0,50}?)${either}(?!\\s*=)`, 100],
    [`${ANSWER}(?:[^\\n]{0,100}=\\s*|[^\\n]{0,50}?)${either}(?!\\s*=)`, 200],
  ];
  if (withoutAnchor) {
    out.push([exprAnch, 300]);
    out.push([numAnch, 300]);
  }
  return out.map(([src, priority]) => ({ re: new RegExp(src, "g"), priority, kind: "expr" as const }));
}

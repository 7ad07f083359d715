/**
 * Synchronous "does this parse?" check used by extraction (Math-Verify tries latex2sympy on each match and
 * moves on when it fails). Uses compute-engine's non-canonical parser, which is purely syntactic and fast,
 * so it is safe in the calling thread: nothing is evaluated here.
 */
import { ComputeEngine } from "@cortex-js/compute-engine";
import type { UpstreamVersion } from "./types";

/** Inputs longer than this are treated as unparseable (a guard for the synchronous path). */
export const MAX_PARSE_CHARS = 20_000;

let engine: ComputeEngine | undefined;

/** The calling thread's engine, created on first use (~150 ms). */
export function syntaxEngine(): ComputeEngine {
  engine ??= new ComputeEngine();
  return engine;
}

/** True iff `latex` is non-empty and parses to MathJSON without error nodes. Never throws. */
export function isParseable(latex: string, version: UpstreamVersion = "0.5.2"): boolean {
  const text = engineLatex(latex.trim(), version);
  if (text === undefined || text.length === 0 || text.length > MAX_PARSE_CHARS) return false;
  if (!balanced(text)) return false;
  try {
    const expr = syntaxEngine().parse(text, { form: "raw" });
    return expr.isValid && expr.json !== "Nothing";
  } catch {
    return false;
  }
}

/** Quick brace balance check (`{}` only; `\{`/`\}` are literal set braces and skipped). */
export function balanced(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") {
      i++;
      continue;
    }
    if (ch === "{") depth++;
    else if (ch === "}" && --depth < 0) return false;
  }
  return depth === 0;
}

/** `\frac` / `\sqrt` must take braced arguments, as in latex2sympy2_extended's grammar (`PS.g4` rules `frac`, `func`). */
function bracedOperators(text: string): boolean {
  for (const m of text.matchAll(/\\(?:[dtc]?frac|sqrt)(?![a-zA-Z])/g)) {
    let i = (m.index ?? 0) + m[0].length;
    while (text[i] === " ") i++;
    const sqrt = m[0] === "\\sqrt";
    if (sqrt && text[i] === "[") {
      const close = text.indexOf("]", i);
      if (close < 0) return false;
      i = close + 1;
      while (text[i] === " ") i++;
    }
    if (text[i] !== "{") return false;
    if (!sqrt) {
      const close = closingBrace(text, i);
      if (close < 0) return false;
      i = close + 1;
      while (text[i] === " ") i++;
      if (text[i] !== "{") return false;
    }
  }
  return true;
}

function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") i++;
    else if (ch === "{") depth++;
    else if (ch === "}" && --depth === 0) return i;
  }
  return -1;
}

/**
 * The normalised answer as compute-engine should read it, or `undefined` where latex2sympy2_extended 1.0.6
 * fails to parse it. Bridges the grammars: `\(`/`\)` (left over from double-escaped `\\left(`) are
 * parentheses; `%` is a percent sign, not a comment, and only a number takes one (`PERCENT_NUMBER`), except the
 * braced `{…}\%` that extraction builds from a percent suffix; `a:b` is a ratio (`COLON` in rule `mp`);
 * `\quad` is white space; `\frac12` and `\sqrt2` (braces are required), empty list elements and (0.5.2 only)
 * a unary `\pm` are rejected.
 */
export function engineLatex(latex: string, version: UpstreamVersion = "0.5.2"): string | undefined {
  if (!bracedOperators(latex)) return undefined;
  let s = latex.replace(/\\q?quad/g, " ");
  s = s.replace(/\\\(/g, "(").replace(/\\\)/g, ")");
  s = s.replace(/(?<!\\)%/g, "\\%");
  s = s.replace(/(\d+(?:\.\d+)?)\s?\\%/g, "\\frac{$1}{100}");
  s = s.replace(/^\{([\s\S]*)\}\\%$/, "\\frac{$1}{100}");
  if (s.includes("\\%")) return undefined;
  // The grammar has no empty list element (`19, 46, ; 82`) and no unary ± (`\pm 2`; `1 \pm 2` is fine).
  if (/(?:^|[,;])\s*(?:[,;]|$)/.test(s)) return undefined;
  if (version === "0.5.2" && /(?:^|[=,;({[]|\\[{[])\s*(?:\\pm|\\mp|±|∓)/.test(s)) return undefined;
  if (s.includes(":")) s = ratios(s);
  return s;
}

/** `a:b` → `a\div b` outside `\text{…}`. */
function ratios(s: string): string {
  return s.replace(/(\\(?:text|mbox)\{[^{}]*\})|:(?!=)/g, (m, text: string | undefined) =>
    text !== undefined ? m : "\\div ",
  );
}

/**
 * Synchronous "does this parse?" check used by extraction (Math-Verify tries latex2sympy on each match and
 * moves on when it fails). Uses compute-engine's non-canonical parser, which is purely syntactic and fast,
 * so it is safe in the calling thread: nothing is evaluated here.
 */
import { ComputeEngine } from "@cortex-js/compute-engine";

/** Inputs longer than this are treated as unparseable (a guard for the synchronous path). */
export const MAX_PARSE_CHARS = 20_000;

let engine: ComputeEngine | undefined;

/** The calling thread's engine, created on first use (~150 ms). */
export function syntaxEngine(): ComputeEngine {
  engine ??= new ComputeEngine();
  return engine;
}

/** True iff `latex` is non-empty and parses to MathJSON without error nodes. Never throws. */
export function isParseable(latex: string): boolean {
  const text = latex.trim();
  if (text.length === 0 || text.length > MAX_PARSE_CHARS) return false;
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

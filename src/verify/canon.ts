/**
 * Comparison-time canonicalisation of a normalised answer (string level, calling thread): degrees,
 * thousands separators, `\text{}` wrappers, multiple-choice letters, and Math-Verify's asymmetric
 * equation rule. Everything here is cheap and deterministic so that most checks never reach the engine.
 */

/** Strip wrappers that never change the value: `\text{…}` around the whole answer, degree marks, trailing dots. */
export function canonicalAnswer(latex: string): string {
  let s = latex.replace(/\\!|\\,|\\;|\\:|\\quad|\\qquad/g, "").trim();
  s = s.replace(/\{,\}/g, ",");
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|°|\^\s*\{\\text\{o\}\}/g, "");
  s = s.replace(/\\text\{\s*degrees?\s*\}$/, "");
  s = s.replace(/[.\s]+$/, "").trim();
  for (let i = 0; i < 3; i++) {
    const whole = /^\\text\{([^{}]*)\}$/.exec(s);
    if (!whole) break;
    s = whole[1].trim();
  }
  const choice = /^\(\s*([A-Ea-e])\s*\)$|^\\text\{\s*\(?([A-Ea-e])\)?\s*\}$/.exec(s);
  if (choice) s = (choice[1] ?? choice[2]).toUpperCase();
  if (/^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/,/g, "");
  return mixedNumbers(s);
}

/** `15\frac{39}{40}` → `(15+\frac{39}{40})` when a whole list element is a mixed number. */
function mixedNumbers(s: string): string {
  return s.replace(
    /(^|[,{(]\s*)(-?)(\d+)\s*\\frac\{(\d+)\}\{(\d+)\}(?=\s*(?:$|[,})]|\\\}))/g,
    (_m, pre: string, sign: string, a: string, b: string, c: string) =>
      `${pre}${sign}(${a}+\\frac{${b}}{${c}})`,
  );
}

/** Key for exact string comparison: no whitespace at all. */
export function stringKey(latex: string): string {
  return latex.replace(/\s+/g, "");
}

/**
 * Top-level parts of `s` split on `=` (not inside brackets, not part of `\leq`, `<=`, `!=`, `\ne`…); a list
 * (`,` or `;` at top level) is not split (the engine reads `x = 1, 2` and `x = 1, y = 2`).
 */
export function splitEquals(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === "]") depth--;
    else if ((c === "," || c === ";") && depth === 0) return [s];
    else if (c === "=" && depth === 0 && !/[<>!\\]/.test(s[i - 1] ?? "")) {
      parts.push(s.slice(last, i).trim());
      last = i + 1;
    }
  }
  parts.push(s.slice(last).trim());
  return parts;
}

const SYMBOL =
  "(?:[a-zA-Z]|\\\\(?:alpha|beta|gamma|delta|theta|lambda|mu|phi|psi|omega|rho|sigma|tau))(?:_\\{?[a-zA-Z0-9]+\\}?)?";
const ONLY_SYMBOLS = new RegExp(`^(?:${SYMBOL}\\s*)+$`);

/** Whether `s` is an assignment such as `k = 5` or `x = y = 3` (lhs made of symbols only). */
export function isAssignment(parts: string[]): boolean {
  return parts.length >= 2 && ONLY_SYMBOLS.test(parts[0]) && parts.every((p) => p.length > 0);
}

/**
 * Math-Verify's asymmetric equation rule: an equation target is reduced to its last rhs when the gold is not
 * an equation; an assignment gold is reduced to its rhs when the target is not an equation. Assignment
 * chains keep first lhs and last rhs.
 */
export function reduceEquations(gold: string, target: string): [string, string] {
  const g = splitEquals(gold);
  const t = splitEquals(target);
  const gEq = g.length >= 2;
  const tEq = t.length >= 2;
  let gOut = isAssignment(g) ? `${g[0]}=${g[g.length - 1]}` : gold;
  let tOut = isAssignment(t) ? `${t[0]}=${t[t.length - 1]}` : target;
  if (tEq && !gEq) tOut = t[t.length - 1];
  else if (isAssignment(g) && !tEq) gOut = g[g.length - 1];
  return [gOut, tOut];
}

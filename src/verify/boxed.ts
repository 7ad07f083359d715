/**
 * `\boxed{…}` / `\fbox{…}` content extraction with nested braces, following latex2sympy2_extended's
 * `extract_boxed_content` as used by Math-Verify 0.5.2 (scanned right to left).
 */

const SEPARATOR = /\b(?:and|or)\b|,|;/;

/** Index of the `}` closing the `{` at `open`, or -1 when unbalanced before `limit`. */
export function matchingBrace(text: string, open: number, limit = text.length): number {
  let depth = 0;
  for (let i = open; i < limit; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 123) depth++;
    else if (ch === 125) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Whether the box ending at `end` may be grouped with the box that starts at `nextStart` (mode "last"). */
function groupable(
  text: string,
  content: string,
  nextContent: string,
  end: number,
  nextStart: number,
): boolean {
  const between = text.slice(end + 1, nextStart);
  if (between.length < 10) return true;
  return nextContent !== content && between.length < 70 && SEPARATOR.test(between);
}

/**
 * Extract boxed contents. `"all"` joins every box with `,`; `"last"` keeps the last box plus earlier boxes
 * close to it (a separator such as `and` or `,` in between). Text without a box is returned unchanged;
 * an unterminated last `\boxed{` yields the rest of the text.
 */
export function extractBoxed(text: string, mode: "all" | "last"): string {
  const results: string[] = [];
  let limit = text.length;
  let lastStart = -1;
  for (;;) {
    const b = text.lastIndexOf("\\boxed", limit - 1);
    const f = text.lastIndexOf("\\fbox", limit - 1);
    if (b < 0 && f < 0) break;
    const start = Math.max(b, f);
    let p = start + (b > f ? 6 : 5);
    while (p < limit && /\s/.test(text[p])) p++;
    if (p >= limit) break;
    if (text[p] !== "{") {
      if (results.length === 0) results.push(text.slice(p));
      break;
    }
    const close = matchingBrace(text, p, limit);
    if (close < 0) {
      if (results.length === 0) results.push(text.slice(p));
      break;
    }
    const content = text.slice(p + 1, close).trim();
    if (mode === "last" && lastStart >= 0) {
      if (!groupable(text, content, results[results.length - 1] ?? "", close, lastStart)) break;
    }
    if (results.length === 0 || results[results.length - 1] !== content) results.push(content);
    lastStart = start;
    limit = start;
  }
  if (results.length === 0) return text;
  return results.reverse().join(",");
}

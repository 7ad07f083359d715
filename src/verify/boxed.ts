/**
 * `\boxed{…}` / `\fbox{…}` content extraction with nested braces, following latex2sympy2_extended's
 * `extract_boxed_content` (scanned right to left). Mode `"last"` groups several boxes differently by version:
 * 1.0.6 (pinned by Math-Verify 0.5.2, huggingface/latex2sympy2_extended@5ca648f `math_normalization.py`) only
 * when the text between two boxes is exactly a separator (`and`, `or`, `,`); later versions (≥ 1.10, @02999f5)
 * also when the boxes are close or a separator appears within 70 characters, and drop repeated boxes.
 */

import type { UpstreamVersion } from "./types";

const SEPARATOR = /\b(?:and|or)\b|,|;/;
const SEPARATOR_1_0_6 = /^\s*(?:and|or|,)\s*$/;

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
  grouping: UpstreamVersion,
): boolean {
  const between = text.slice(end + 1, nextStart);
  if (grouping === "0.5.2") return SEPARATOR_1_0_6.test(between);
  if (between.length < 10) return true;
  return nextContent !== content && between.length < 70 && SEPARATOR.test(between);
}

/**
 * Extract boxed contents. `"all"` joins every box with `,`; `"last"` keeps the last box plus the earlier boxes
 * grouped with it (see the module comment). Text without a box is returned unchanged; an unterminated last
 * `\boxed{` yields the rest of the text.
 */
export function extractBoxed(
  text: string,
  mode: "all" | "last",
  grouping: UpstreamVersion = "0.5.2",
): string {
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
      if (!groupable(text, content, results[results.length - 1] ?? "", close, lastStart, grouping)) break;
    }
    // Later versions drop a box repeating the one after it; 1.0.6 keeps it.
    if (grouping === "0.5.2" || results.length === 0 || results[results.length - 1] !== content) {
      results.push(content);
    }
    lastStart = start;
    limit = start;
  }
  if (results.length === 0) return text;
  return results.reverse().join(",");
}

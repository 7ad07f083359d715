/**
 * Small string helpers that reproduce Python `str` semantics the open-r1 rewards rely on, so that scores match
 * the Python reference byte for byte. Pure; never throw on any string (lone surrogates and NUL included).
 */

/** Python's `str.isspace()` set (what `str.split()` with no argument splits on). */
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Coerce anything a notebook may pass as a completion into a string (`null`/`undefined` → `""`). */
export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  try {
    return String(value);
  } catch {
    return "";
  }
}

/** Python `len(s)`: the number of code points (a surrogate pair counts once, a lone surrogate once). */
export function codePointLength(s: string): number {
  let pairs = 0;
  for (let i = 0; i + 1 < s.length; i++) {
    const hi = s.charCodeAt(i);
    if (hi >= 0xd800 && hi <= 0xdbff) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return s.length - pairs;
}

/** Python `s.count(sub)`: non-overlapping occurrences scanned left to right (`sub` non-empty). */
export function countOccurrences(s: string, sub: string): number {
  let count = 0;
  let from = s.indexOf(sub);
  while (from !== -1) {
    count++;
    from = s.indexOf(sub, from + sub.length);
  }
  return count;
}

/** Python `s.split()` with no argument: split on runs of Unicode whitespace, drop empty ends. */
export function pySplit(s: string): string[] {
  const parts = s.split(PY_WHITESPACE);
  if (parts.length > 0 && parts[0] === "") parts.shift();
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

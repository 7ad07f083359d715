/**
 * Exact numeric fast path (calling thread): integers, decimals, fractions, scientific notation and
 * percentages as BigInt rationals. Equality follows Math-Verify's `sympy_numeric_eq`: two exact numbers are
 * compared exactly; when either side is a decimal ("float"), both are rounded to `precision` decimal places.
 */

/** A rational `n/d` (d > 0); `float` marks decimal/scientific literals (Math-Verify Floats). */
export interface ExactNumber {
  n: bigint;
  d: bigint;
  float: boolean;
}

/** Exponents beyond this are left to the engine (and its hard timeout). */
const MAX_EXPONENT = 400;

function pow10(k: number): bigint {
  return 10n ** BigInt(k);
}

/** Parse a plain decimal mantissa `-12.5` into a rational. */
function decimal(text: string): ExactNumber | undefined {
  const m = /^(-?)(\d*)(?:\.(\d+))?$/.exec(text);
  if (!m || (m[2] === "" && m[3] === undefined)) return undefined;
  const frac = m[3] ?? "";
  const n = BigInt(`${m[2] || "0"}${frac}`) * (m[1] ? -1n : 1n);
  return { n, d: pow10(frac.length), float: m[3] !== undefined };
}

function scale(x: ExactNumber, exp: number, float: boolean): ExactNumber | undefined {
  if (Math.abs(exp) > MAX_EXPONENT) return undefined;
  return exp >= 0
    ? { n: x.n * pow10(exp), d: x.d, float: x.float || float }
    : { n: x.n, d: x.d * pow10(-exp), float: x.float || float };
}

/** Parse `s` as an exact number, or `undefined` when it is anything else (then the engine decides). */
export function parseExactNumber(input: string): ExactNumber | undefined {
  let s = input.replace(/\s+/g, "");
  let percent = false;
  if (s.endsWith("\\%")) {
    percent = true;
    s = s.slice(0, -2);
  }
  const out = parseNoPercent(s);
  if (!out || !percent) return out;
  return { n: out.n, d: out.d * 100n, float: out.float };
}

function parseNoPercent(s: string): ExactNumber | undefined {
  const plain = decimal(s);
  if (plain) return plain;
  let m = /^(-?\d*\.?\d+)[eE]([+-]?\d+)$/.exec(s);
  if (m) {
    const base = decimal(m[1]);
    return base && scale(base, Number(m[2]), true);
  }
  m = /^(-?\d*\.?\d+)(?:\\times|\\cdot|\*)10\^(?:\{([+-]?\d+)\}|(\d))$/.exec(s);
  if (m) {
    const base = decimal(m[1]);
    return base && scale(base, Number(m[2] ?? m[3]), false);
  }
  m = /^(-?)\\frac\{(-?\d+)\}\{(-?\d+)\}$/.exec(s) ?? /^(-?)(\d+)\/(\d+)$/.exec(s);
  if (m) {
    let n = BigInt(m[2]) * (m[1] ? -1n : 1n);
    let d = BigInt(m[3]);
    if (d === 0n) return undefined;
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    return { n, d, float: false };
  }
  return undefined;
}

/** `round(n/d · 10^p)`, halves away from zero. */
function roundScaled(x: ExactNumber, places: number): bigint {
  const num = x.n * pow10(places);
  const neg = num < 0n;
  const a = neg ? -num : num;
  const q = (2n * a + x.d) / (2n * x.d);
  return neg ? -q : q;
}

/** Math-Verify numeric equality: exact unless one side is a float, then rounded to `precision` places. */
export function exactNumbersEqual(a: ExactNumber, b: ExactNumber, precision: number): boolean {
  if (!a.float && !b.float) return a.n * b.d === b.n * a.d;
  if (roundScaled(a, precision) !== roundScaled(b, precision)) return false;
  // Below 1 in magnitude also require `precision` significant digits (Math-Verify equates 1.77e-6, 1.78e-6).
  const x = Number(a.n) / Number(a.d);
  const y = Number(b.n) / Number(b.d);
  if (!Number.isFinite(x) || !Number.isFinite(y) || Math.max(Math.abs(x), Math.abs(y)) >= 1) return true;
  return Number(x.toPrecision(precision)) === Number(y.toPrecision(precision));
}

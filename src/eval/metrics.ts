/**
 * Pure scoring arithmetic for avg@n and pass@k. No I/O, no tensors.
 *
 * - avg@n: each problem's mean correctness over its n samples, averaged over problems. With n = 1 this is the
 *   Open-RS "pass@1" (one sample at T = 0.6; docs/references.md).
 * - standard error: the sample standard deviation (ddof = 1) of the per-problem means, divided by √N (N problems).
 *   This is lighteval's `mean_stderr`; it reproduces Open-RS3's reported AIME24 46.7 ± 9.3 (14/30 correct).
 * - pass@k: the unbiased estimator of Chen et al. (2021), `1 − Π_{i=n−c+1}^{n} (1 − k/i)`, averaged over problems
 *   (lighteval `PassAtK`); with k = 1 it equals c/n.
 */

/** Correct count and sample count of one problem. */
export interface ProblemTally {
  /** Samples that scored 1. */
  correct: number;
  /** Samples drawn. */
  n: number;
}

/**
 * Unbiased pass@k of one problem with `c` correct among `n` samples.
 * Throws if k is not in 1..n or c is not in 0..n.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new Error(`passAtK: k must be an integer in 1..n=${n}, got ${k}`);
  if (!Number.isInteger(c) || c < 0 || c > n)
    throw new Error(`passAtK: c must be an integer in 0..n=${n}, got ${c}`);
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/** Arithmetic mean; NaN for an empty list. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Standard error of the mean: sample std (ddof = 1) / √N. 0 for a single value, NaN for none. */
export function standardError(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  if (xs.length === 1) return 0;
  const mu = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - mu) ** 2;
  return Math.sqrt(ss / (xs.length - 1)) / Math.sqrt(xs.length);
}

/** Summary of one benchmark under one protocol. Values are fractions in [0, 1]. */
export interface BenchmarkScore {
  /** Problems scored. */
  problems: number;
  /** Samples per problem (the smallest over problems, if they differ). */
  n: number;
  /** avg@n: mean over problems of the per-problem mean correctness. Equals pass@1. */
  avg: number;
  /** Standard error of `avg` (ddof = 1 over per-problem means). */
  stderr: number;
  /** Unbiased pass@k for k = 1, 2, 4, … ≤ n (and n itself). */
  passAt: Record<number, number>;
}

/** The k values reported for n samples: powers of two up to n, plus n. */
export function reportedKs(n: number): number[] {
  const ks: number[] = [];
  for (let k = 1; k <= n; k *= 2) ks.push(k);
  if (n >= 1 && ks[ks.length - 1] !== n) ks.push(n);
  return ks;
}

/** Scores one benchmark from per-problem tallies. Throws on an empty list or a problem with n = 0. */
export function scoreBenchmark(tallies: readonly ProblemTally[]): BenchmarkScore {
  if (tallies.length === 0) throw new Error("scoreBenchmark: no problems to score");
  for (const t of tallies) {
    if (t.n < 1) throw new Error("scoreBenchmark: a problem has no samples (n = 0)");
  }
  const perProblem = tallies.map((t) => t.correct / t.n);
  const n = Math.min(...tallies.map((t) => t.n));
  const passAt: Record<number, number> = {};
  for (const k of reportedKs(n)) passAt[k] = mean(tallies.map((t) => passAtK(t.n, t.correct, k)));
  return { problems: tallies.length, n, avg: mean(perProblem), stderr: standardError(perProblem), passAt };
}

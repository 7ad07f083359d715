/**
 * Token sampling from one row of logits, in JS (docs/references.md, "Sampling"): temperature, top-k and top-p (nucleus)
 * as Hugging Face's logits warpers apply them (top-k first, then top-p, on temperature-scaled logits).
 */
import type { Rng } from "../util/rng";

/** Sampling knobs for one token. */
export interface SampleParams {
  /** 0 = greedy (argmax). */
  temperature: number;
  /** Keep the k largest logits (ties at the k-th value kept, as HF does); 0 disables. */
  topK: number;
  /** Keep the smallest most-likely set with mass ≥ topP; 1 disables. */
  topP: number;
}

/** Index of the largest value (the first one on ties). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** log softmax(row)[token], in float64. */
export function logSoftmaxAt(row: ArrayLike<number>, token: number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < row.length; i++) if (row[i] > m) m = row[i];
  let s = 0;
  for (let i = 0; i < row.length; i++) s += Math.exp(row[i] - m);
  return row[token] - m - Math.log(s);
}

/**
 * The `k` most likely tokens of a row as `[id, log softmax]` pairs, most likely first (ties: lower id first):
 * what OpenAI's `top_logprobs` reports. Same distribution as {@link logSoftmaxAt} (temperature 1, no top-p).
 */
export function topLogProbs(row: ArrayLike<number>, k: number): Array<[number, number]> {
  if (k <= 0) return [];
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < row.length; i++) if (row[i] > m) m = row[i];
  let s = 0;
  for (let i = 0; i < row.length; i++) s += Math.exp(row[i] - m);
  const lse = m + Math.log(s);
  const best: number[] = []; // ids, kept sorted by descending logit; k is small (≤ 20)
  for (let i = 0; i < row.length; i++) {
    if (best.length === k && row[i] <= row[best[k - 1]]) continue;
    let at = best.length;
    while (at > 0 && row[best[at - 1]] < row[i]) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best.map((i) => [i, row[i] - lse]);
}

/** The k-th largest value of `values` (1-based k), by quickselect on a copy. */
export function kthLargest(values: ArrayLike<number>, k: number): number {
  const a = Float64Array.from(values);
  let lo = 0;
  let hi = a.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}

/**
 * Unnormalised probabilities after temperature and top-k: exp((x − max)/T), zero outside the top k.
 */
function warpedWeights(row: ArrayLike<number>, temperature: number, topK: number): Float64Array {
  const n = row.length;
  const w = new Float64Array(n);
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (row[i] > m) m = row[i];
  const cut = topK > 0 && topK < n ? kthLargest(row, topK) : Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) w[i] = row[i] >= cut ? Math.exp((row[i] - m) / temperature) : 0;
  return w;
}

/**
 * Indices of the nucleus: the most likely tokens, in descending weight, whose mass first reaches topP of the
 * total. Only tokens above a threshold are sorted; the threshold drops until enough mass is covered, so the
 * result is exact without sorting the whole vocabulary.
 */
export function nucleus(w: Float64Array, topP: number): number[] {
  let total = 0;
  let wMax = 0;
  for (let i = 0; i < w.length; i++) {
    total += w[i];
    if (w[i] > wMax) wMax = w[i];
  }
  const need = topP * total;
  for (let thr = wMax * 1e-3; ; thr *= 1e-3) {
    const cand: number[] = [];
    let mass = 0;
    for (let i = 0; i < w.length; i++) {
      if (w[i] > 0 && w[i] >= thr) {
        cand.push(i);
        mass += w[i];
      }
    }
    if (mass >= need || thr === 0 || thr < Number.MIN_VALUE) {
      cand.sort((a, b) => w[b] - w[a] || a - b);
      const keep: number[] = [];
      let acc = 0;
      for (const i of cand) {
        keep.push(i);
        acc += w[i];
        if (acc >= need) break;
      }
      return keep;
    }
  }
}

/** Draws one token from a row of logits. Uses exactly one `rng.next()` unless greedy (none). */
export function sampleToken(row: ArrayLike<number>, p: SampleParams, rng: Rng): number {
  if (p.temperature === 0) return argmax(row);
  const w = warpedWeights(row, p.temperature, p.topK);
  const idx = p.topP < 1 ? nucleus(w, p.topP) : null;
  const u = rng.next();
  if (idx) {
    let mass = 0;
    for (const i of idx) mass += w[i];
    let acc = 0;
    for (const i of idx) {
      acc += w[i] / mass;
      if (u < acc) return i;
    }
    return idx[idx.length - 1];
  }
  let mass = 0;
  for (let i = 0; i < w.length; i++) mass += w[i];
  let acc = 0;
  let last = 0;
  for (let i = 0; i < w.length; i++) {
    if (w[i] === 0) continue;
    last = i;
    acc += w[i] / mass;
    if (u < acc) return i;
  }
  return last;
}

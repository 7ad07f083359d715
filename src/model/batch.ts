/**
 * Pure helpers that turn ragged token lists into padded batches, attention masks, position ids and RoPE tables,
 * following Hugging Face's conventions (left padding for prompts, position = cumsum(mask) − 1).
 */

/** A padded [B, T] batch, row-major. */
export interface PaddedBatch {
  /** Batch size. */
  b: number;
  /** Padded length. */
  t: number;
  /** [B*T] token ids (pads hold `padId`). */
  ids: Int32Array;
  /** [B*T] 1 for real tokens, 0 for padding. */
  mask: Uint8Array;
}

/** Left-pads `rows` to their longest length. Empty rows are rejected (a prompt needs at least one token). */
export function leftPad(rows: readonly (readonly number[])[], padId: number): PaddedBatch {
  const b = rows.length;
  const t = Math.max(0, ...rows.map((r) => r.length));
  const ids = new Int32Array(b * t).fill(padId);
  const mask = new Uint8Array(b * t);
  rows.forEach((r, i) => {
    if (r.length === 0) throw new Error(`leftPad: row ${i} is empty; every prompt needs at least one token`);
    const off = i * t + (t - r.length);
    for (let j = 0; j < r.length; j++) {
      ids[off + j] = r[j];
      mask[off + j] = 1;
    }
  });
  return { b, t, ids, mask };
}

/** HF position ids: cumsum(mask) − 1 along each row, and 1 at padded positions (`masked_fill(mask == 0, 1)`). */
export function positionIds(mask: Uint8Array, b: number, t: number): Int32Array {
  const pos = new Int32Array(b * t);
  for (let i = 0; i < b; i++) {
    let c = 0;
    for (let j = 0; j < t; j++) {
      c += mask[i * t + j];
      pos[i * t + j] = mask[i * t + j] ? c - 1 : 1;
    }
  }
  return pos;
}

/** Additive attention bias [B, T, T]: 0 where key j ≤ query i and key j is real, else −1e9. */
export function causalPaddingBias(mask: Uint8Array, b: number, t: number): Float32Array {
  const bias = new Float32Array(b * t * t).fill(-1e9);
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < t; i++) {
      const row = (n * t + i) * t;
      for (let j = 0; j <= i; j++) if (mask[n * t + j]) bias[row + j] = 0;
    }
  }
  return bias;
}

/**
 * RoPE tables for HF's rotate-half convention, one row per position: cos [N, hd] and a sign-folded sin [N, hd]
 * (`[-sin, sin]` over the two halves) so that `rope(x) = x·cos + concat(x₂, x₁)·sinSigned`. Frequencies are
 * rounded to fp32 as in PyTorch (`1 / θ^(2i/hd)`, then `pos · inv`).
 */
export function ropeTables(
  positions: Int32Array,
  headDim: number,
  theta: number,
): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.fround(theta ** Math.fround((2 * i) / headDim));
  const cos = new Float32Array(positions.length * headDim);
  const sin = new Float32Array(positions.length * headDim);
  for (let n = 0; n < positions.length; n++) {
    const o = n * headDim;
    for (let i = 0; i < half; i++) {
      const a = Math.fround(positions[n] * inv[i]);
      const c = Math.cos(a);
      const s = Math.sin(a);
      cos[o + i] = c;
      cos[o + half + i] = c;
      sin[o + i] = -s;
      sin[o + half + i] = s;
    }
  }
  return { cos, sin };
}

/** A prompt+completion batch for log-prob computation: left-padded prompts, right-padded completions. */
export interface PromptCompletionBatch extends PaddedBatch {
  /** Padded prompt length P (completions start at column P). */
  promptLen: number;
  /** Longest completion Tc. */
  complLen: number;
  /** For each real completion token, the flat row (b·T + P − 1 + j) of the hidden state that predicts it. */
  rows: Int32Array;
  /** The token each of those rows predicts. */
  targets: Int32Array;
  /** [B*Tc] index into `rows` for each (b, j), or `rows.length` for padding (a zero slot). */
  scatter: Int32Array;
}

/** Builds the batch that `completionLogProbs` runs: [left-padded prompt | completion | right padding]. */
export function promptCompletionBatch(
  prompts: readonly (readonly number[])[],
  completions: readonly (readonly number[])[],
  padId: number,
): PromptCompletionBatch {
  if (prompts.length !== completions.length) {
    throw new Error(`${prompts.length} prompts but ${completions.length} completions; they must pair up`);
  }
  const p = leftPad(prompts, padId);
  const tc = Math.max(0, ...completions.map((c) => c.length));
  const t = p.t + tc;
  const ids = new Int32Array(p.b * t).fill(padId);
  const mask = new Uint8Array(p.b * t);
  const nReal = completions.reduce((a, c) => a + c.length, 0);
  const rows = new Int32Array(nReal);
  const targets = new Int32Array(nReal);
  const scatter = new Int32Array(p.b * tc).fill(nReal);
  let k = 0;
  for (let i = 0; i < p.b; i++) {
    ids.set(p.ids.subarray(i * p.t, (i + 1) * p.t), i * t);
    mask.set(p.mask.subarray(i * p.t, (i + 1) * p.t), i * t);
    completions[i].forEach((tok, j) => {
      ids[i * t + p.t + j] = tok;
      mask[i * t + p.t + j] = 1;
      rows[k] = i * t + p.t - 1 + j;
      targets[k] = tok;
      scatter[i * tc + j] = k++;
    });
  }
  return { b: p.b, t, ids, mask, promptLen: p.t, complLen: tc, rows, targets, scatter };
}

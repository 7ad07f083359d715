/**
 * Fused token log-probabilities (docs/references.md, "tfjs-backend-wasm"). `log softmax(x)[t]` through `logSumExp` is slow
 * on wasm (its Max gradient builds a broadcast `Equal`, and `tf.exp` is scalar libm), so the value comes from
 * the native softmax, `lp_t = (x_t − max(x)) + log(max(softmax(x)))` (no underflow: max(softmax) ≥ 1/V), and the
 * gradient is written by hand: `∂lp_t/∂x = onehot(t) − softmax(x)`.
 *
 * {@link headTokenLogProbs} also fuses the lm_head product and processes rows in chunks, recomputing each
 * chunk's logits in the backward pass, so that [tokens × vocab] is never held for the whole batch (one fp32
 * [N, 151936] copy is 0.6 MB per token).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";

/** Rows × vocab elements per chunk of {@link headTokenLogProbs} (32 MB of fp32 logits). */
export const DEFAULT_CHUNK_ELEMS = 8 * 1024 * 1024;

/** [N] log softmax(logits)[t] and, when asked, [N] entropy, from [N, V] logits. No gradient. */
function logProbRows(
  logits: tf.Tensor2D,
  targets: tf.Tensor1D,
  withEntropy: boolean,
): { lp: tf.Tensor1D; entropy?: tf.Tensor1D } {
  return tf.tidy(() => {
    const [n, v] = logits.shape;
    const sm = tf.softmax(logits); // [N, V]
    const mx = tf.max(logits, -1); // [N]
    const logSmMax = tf.log(tf.max(sm, -1)); // [N] = max − logsumexp
    const flatIdx = tf.add(tf.mul(tf.range(0, n, 1, "int32"), tf.scalar(v, "int32")), targets); // [N]
    const xt = tf.gather(tf.reshape(logits, [-1]), flatIdx); // [N]
    // (x_t − max) first: forming logsumexp itself would lose digits when |logits| is large.
    const lp = tf.add(tf.sub(xt, mx), logSmMax) as tf.Tensor1D;
    if (!withEntropy) return { lp };
    // H = logsumexp − Σ p·x = Σ p·(max − x) − log(max p), again without forming logsumexp.
    const spread = tf.sum(tf.mul(sm, tf.sub(tf.expandDims(mx, 1), logits)), -1); // [N]
    const entropy = tf.sub(spread, logSmMax) as tf.Tensor1D;
    return { lp, entropy };
  });
}

/** dy[:, None] · (onehot(t) − softmax(logits)): the gradient of lp_t w.r.t. [N, V] logits. */
function logProbGrad(logits: tf.Tensor2D, targets: tf.Tensor1D, dy: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const v = logits.shape[1];
    // wasm's OneHot ignores its dtype attr and writes int32 bits, so build int32 and cast.
    const oh = tf.cast(tf.oneHot(targets, v), "float32"); // [N, V]
    return tf.mul(tf.sub(oh, tf.softmax(logits)), tf.expandDims(dy, 1)) as tf.Tensor2D;
  });
}

/**
 * log softmax(logits)[i, targets[i]] for [N, V] logits and N int targets; differentiable w.r.t. logits with the
 * fused gradient. Returns [N]; caller disposes.
 */
export function tokenLogProbs(logits: tf.Tensor2D, targets: ArrayLike<number>): tf.Tensor1D {
  if (targets.length !== logits.shape[0]) {
    throw new Error(`tokenLogProbs: ${targets.length} targets for ${logits.shape[0]} rows of logits`);
  }
  const tgt = Int32Array.from(targets);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x]);
    const t = tf.tensor1d(tgt, "int32");
    const { lp } = logProbRows(x as tf.Tensor2D, t, false);
    return {
      value: lp,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => logProbGrad(saved[0] as tf.Tensor2D, tf.tensor1d(tgt, "int32"), dy as tf.Tensor1D)),
    };
  });
  return op(logits) as tf.Tensor1D;
}

/** Options of {@link headTokenLogProbs}. */
export interface HeadLogProbOptions {
  /** Also return the per-token entropy of softmax(h @ w) (no gradient). Default false. */
  withEntropy?: boolean;
  /** Rows × vocab elements materialised at once; default {@link DEFAULT_CHUNK_ELEMS}. */
  chunkElems?: number;
}

/**
 * Fused lm_head + token log-prob: lp[i] = log softmax(h[i] @ w)[targets[i]] for h [N, D], w [D, V], computed
 * in row chunks; the backward pass recomputes each chunk's logits instead of keeping them. Differentiable
 * w.r.t. h and w. Returns [N] log-probs and, if asked, [N] entropies (no gradient). Caller disposes both.
 */
export function headTokenLogProbs(
  h: tf.Tensor2D,
  w: tf.Tensor2D,
  targets: ArrayLike<number>,
  opts: HeadLogProbOptions = {},
): { logprobs: tf.Tensor1D; entropy?: tf.Tensor1D } {
  const [n, d] = h.shape;
  const v = w.shape[1];
  if (w.shape[0] !== d) throw new Error(`headTokenLogProbs: h is [${h.shape}] but w is [${w.shape}]`);
  if (targets.length !== n) throw new Error(`headTokenLogProbs: ${targets.length} targets for ${n} rows`);
  const tgt = Int32Array.from(targets);
  const rows = Math.max(1, Math.floor((opts.chunkElems ?? DEFAULT_CHUNK_ELEMS) / v));
  const chunks: Array<[number, number]> = [];
  for (let r = 0; r < n; r += rows) chunks.push([r, Math.min(rows, n - r)]);
  let entropy: tf.Tensor1D | undefined;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [hIn, wIn, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([hIn, wIn]);
    const lps: tf.Tensor1D[] = [];
    const ents: tf.Tensor1D[] = [];
    for (const [r0, rc] of chunks) {
      const res = tf.tidy(() => {
        const logits = tf.matMul(tf.slice(hIn, [r0, 0], [rc, d]), wIn) as tf.Tensor2D; // [c, V]
        return logProbRows(
          logits,
          tf.tensor1d(tgt.subarray(r0, r0 + rc), "int32"),
          opts.withEntropy === true,
        );
      });
      lps.push(res.lp);
      if (res.entropy) ents.push(res.entropy);
    }
    // Entropy leaves through a side channel (the op has one output); kept so the forward's tidy spares it.
    if (opts.withEntropy) entropy = tf.keep(ents.length === 1 ? ents[0] : tf.concat(ents));
    return {
      value: lps.length === 1 ? lps[0] : tf.concat(lps),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        headGrad(saved as tf.Tensor2D[], dy as tf.Tensor1D, tgt, chunks),
    };
  });
  const logprobs = op(h, w) as tf.Tensor1D;
  if (!entropy) return { logprobs };
  const owned = tf.clone(entropy); // tracked by the caller's scope, unlike the kept original
  entropy.dispose();
  return { logprobs, entropy: owned as tf.Tensor1D };
}

function headGrad(
  [h, w]: tf.Tensor2D[],
  dy: tf.Tensor1D,
  tgt: Int32Array,
  chunks: Array<[number, number]>,
): tf.Tensor[] {
  const d = h.shape[1];
  const wT = tf.transpose(w) as tf.Tensor2D; // [V, D]
  const dhs: tf.Tensor2D[] = [];
  let dw: tf.Tensor2D | null = null;
  for (const [r0, rc] of chunks) {
    // One tidy per chunk so that only one [c, V] block and one running [D, V] sum are alive at a time.
    const [dh, dwNext] = tf.tidy(() => {
      const hc = tf.slice(h, [r0, 0], [rc, d]); // [c, D]
      const g = logProbGrad(
        tf.matMul(hc, w),
        tf.tensor1d(tgt.subarray(r0, r0 + rc), "int32"),
        tf.slice(dy, [r0], [rc]),
      ); // [c, V]
      const dwc = tf.matMul(tf.transpose(hc), g); // [D, V]
      return [tf.matMul(g, wT), dw ? tf.add(dw, dwc) : dwc] as tf.Tensor2D[];
    });
    dw?.dispose();
    dw = dwNext;
    dhs.push(dh);
  }
  wT.dispose();
  if (dhs.length === 1) return [dhs[0], dw as tf.Tensor2D];
  const dhAll = tf.concat(dhs);
  for (const t of dhs) t.dispose();
  return [dhAll, dw as tf.Tensor2D];
}

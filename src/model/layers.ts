/**
 * The blocks of a Qwen2 decoder layer, written for tfjs-backend-wasm (docs/references.md, "tfjs-backend-wasm: kernels and fast paths"). Hidden states
 * are kept 2-D, [B*T, D], so every projection is one XNNPACK product. Attention folds the G = H/KVH query heads
 * of each KV head into rows, so K and V are never repeated; with T > 1 it runs as per-(batch, kv-head) 2-D
 * products (fast path), at decode (T = 1) as plain batched matMuls (cheaper than many tiny products).
 */
import * as tf from "@tensorflow/tfjs-core";
import { linear, mm2d } from "../backend/matmul";

/** One decoder layer's variables (linear weights are [in, out]). */
export interface LayerParams {
  inNorm: tf.Variable;
  q: tf.Variable;
  qb: tf.Variable;
  k: tf.Variable;
  kb: tf.Variable;
  v: tf.Variable;
  vb: tf.Variable;
  o: tf.Variable;
  postNorm: tf.Variable;
  gate: tf.Variable;
  up: tf.Variable;
  down: tf.Variable;
}

/** Attention sizes. */
export interface AttnDims {
  /** Query heads H. */
  h: number;
  /** Key/value heads. */
  kvh: number;
  /** Query heads per KV head, H / KVH. */
  g: number;
  /** Head width. */
  hd: number;
}

/** RoPE tables [N, 1, hd] (sin sign-folded); the q pair also carries the 1/√hd attention scale. */
export interface RopeTensors {
  cos: tf.Tensor3D;
  sin: tf.Tensor3D;
  qcos: tf.Tensor3D;
  qsin: tf.Tensor3D;
}

/** Builds {@link RopeTensors} from host tables of N rows × hd. Call inside a tidy. */
export function ropeTensors(cos: Float32Array, sin: Float32Array, hd: number): RopeTensors {
  const n = cos.length / hd;
  const scale = 1 / Math.sqrt(hd);
  return {
    cos: tf.tensor3d(cos, [n, 1, hd]),
    sin: tf.tensor3d(sin, [n, 1, hd]),
    qcos: tf.tensor3d(
      cos.map((c) => c * scale),
      [n, 1, hd],
    ),
    qsin: tf.tensor3d(
      sin.map((c) => c * scale),
      [n, 1, hd],
    ),
  };
}

/** Inputs shared by every layer of one full (T ≥ 1) pass. */
export interface FullPassContext {
  b: number;
  t: number;
  /** RoPE tables for the B*T positions. */
  rope: RopeTensors;
  /** Per batch row, the [T, T] additive causal+padding bias. */
  bias: tf.Tensor2D[];
}

/** RMSNorm over the last axis: x · rsqrt(mean(x²) + eps) · w. x: [N, D]. */
export function rmsNorm(x: tf.Tensor, w: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const ms = tf.mean(tf.square(x), -1, true); // [N, 1]
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), w);
  });
}

/** Rotary embedding, HF rotate-half form. x: [N, nh, hd]; cos, sin: [N, 1, hd] (sin sign-folded). */
export function applyRope(x: tf.Tensor3D, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor3D {
  return tf.tidy(() => {
    const [x1, x2] = tf.split(x, 2, 2); // [N, nh, hd/2] each
    return tf.add(tf.mul(x, cos), tf.mul(tf.concat([x2, x1], 2), sin)) as tf.Tensor3D;
  });
}

/**
 * q, k, v projections with RoPE applied to q and k (q also scaled by 1/√hd through its tables).
 * x: [N, D] → q [N, H, hd], k/v [N, KVH, hd].
 */
function qkv(x: tf.Tensor, p: LayerParams, a: AttnDims, rope: RopeTensors) {
  const n = x.shape[0];
  const q = tf.reshape(linear(x, p.q as tf.Tensor2D, p.qb as tf.Tensor1D), [n, a.h, a.hd]); // [N, H, hd]
  const k = tf.reshape(linear(x, p.k as tf.Tensor2D, p.kb as tf.Tensor1D), [n, a.kvh, a.hd]); // [N, KVH, hd]
  const v = tf.reshape(linear(x, p.v as tf.Tensor2D, p.vb as tf.Tensor1D), [n, a.kvh, a.hd]); // [N, KVH, hd]
  return {
    q: applyRope(q as tf.Tensor3D, rope.qcos, rope.qsin),
    k: applyRope(k as tf.Tensor3D, rope.cos, rope.sin),
    v,
  };
}

/**
 * Split [N, ...] into N tensors. With N = 1 a reshape stands in for unstack: tfjs's Unpack gradient hands
 * `stack` a lone tensor instead of a list when there is a single output, and throws.
 */
function slices(x: tf.Tensor): tf.Tensor[] {
  return x.shape[0] === 1 ? [tf.reshape(x, x.shape.slice(1))] : tf.unstack(x);
}

/**
 * Causal self-attention over a full [B, T] pass. x: [B*T, D] (normed). Returns the o_proj output [B*T, D] and,
 * when `keepKv`, K and V as [B*KVH, T, hd] for a KV cache.
 */
export function attentionFull(
  x: tf.Tensor,
  p: LayerParams,
  a: AttnDims,
  ctx: FullPassContext,
  keepKv = false,
): { out: tf.Tensor; k?: tf.Tensor3D; v?: tf.Tensor3D } {
  const { b, t } = ctx;
  const { q, k, v } = qkv(x, p, a, ctx.rope);
  const q5 = tf.reshape(q, [b, t, a.kvh, a.g, a.hd]); // [B, T, KVH, G, hd]
  const qf = tf.reshape(tf.transpose(q5, [0, 2, 3, 1, 4]), [b * a.kvh, a.g * t, a.hd]); // [B*KVH, G*T, hd]
  const k4 = tf.reshape(k, [b, t, a.kvh, a.hd]); // [B, T, KVH, hd]
  const kT = tf.reshape(tf.transpose(k4, [0, 2, 3, 1]), [b * a.kvh, a.hd, t]); // [B*KVH, hd, T]
  const v4 = tf.reshape(v, [b, t, a.kvh, a.hd]); // [B, T, KVH, hd]
  const vf = tf.reshape(tf.transpose(v4, [0, 2, 1, 3]), [b * a.kvh, t, a.hd]) as tf.Tensor3D; // [B*KVH, T, hd]
  const qs = slices(qf); // B*KVH × [G*T, hd]
  const ks = slices(kT); // B*KVH × [hd, T]
  const vs = slices(vf); // B*KVH × [T, hd]
  const outs = qs.map((qi, i) => {
    const s = tf.reshape(mm2d(qi as tf.Tensor2D, ks[i] as tf.Tensor2D), [a.g, t, t]); // [G, T, T]
    const pr = tf.softmax(tf.add(s, ctx.bias[Math.floor(i / a.kvh)])); // [G, T, T]
    return mm2d(tf.reshape(pr, [a.g * t, t]), vs[i] as tf.Tensor2D); // [G*T, hd]
  });
  const o5 = tf.reshape(outs.length === 1 ? outs[0] : tf.stack(outs), [b, a.kvh, a.g, t, a.hd]); // [B, KVH, G, T, hd]
  const o = tf.reshape(tf.transpose(o5, [0, 3, 1, 2, 4]), [b * t, a.h * a.hd]); // [B*T, H*hd]
  const out = linear(o, p.o as tf.Tensor2D);
  if (!keepKv) return { out };
  const kc = tf.reshape(tf.transpose(k4, [0, 2, 1, 3]), [b * a.kvh, t, a.hd]) as tf.Tensor3D; // [B*KVH, T, hd]
  return { out, k: kc, v: vf };
}

/**
 * One decode step of attention with a KV cache. x: [B, D] (normed); rope: tables for B positions; bias:
 * [B*KVH, 1, Tc+1] additive key mask; cache K/V: [B*KVH, Tc, hd]. Returns o_proj output [B, D] and the
 * extended cache [B*KVH, Tc+1, hd].
 */
export function attentionDecode(
  x: tf.Tensor,
  p: LayerParams,
  a: AttnDims,
  rope: RopeTensors,
  bias: tf.Tensor,
  cache: { k: tf.Tensor3D; v: tf.Tensor3D },
): { out: tf.Tensor; k: tf.Tensor3D; v: tf.Tensor3D } {
  const b = x.shape[0];
  const { q, k, v } = qkv(x, p, a, rope);
  const qf = tf.reshape(q, [b * a.kvh, a.g, a.hd]) as tf.Tensor3D; // [B, H, hd] = [B*KVH, G, hd]
  const kc = tf.concat([cache.k, tf.reshape(k, [b * a.kvh, 1, a.hd])], 1) as tf.Tensor3D; // [B*KVH, Tc+1, hd]
  const vc = tf.concat([cache.v, tf.reshape(v, [b * a.kvh, 1, a.hd])], 1) as tf.Tensor3D; // [B*KVH, Tc+1, hd]
  const s = tf.add(tf.matMul(qf, kc, false, true), bias); // [B*KVH, G, Tc+1]
  const o = tf.matMul(tf.softmax(s), vc); // [B*KVH, G, hd]
  const out = linear(tf.reshape(o, [b, a.h * a.hd]), p.o as tf.Tensor2D); // [B, D]
  return { out, k: kc, v: vc };
}

/** SwiGLU MLP: down(silu(gate(x)) · up(x)). x: [N, D]. */
export function mlp(x: tf.Tensor, p: LayerParams): tf.Tensor {
  return tf.tidy(() => {
    const g = linear(x, p.gate as tf.Tensor2D); // [N, F]
    const u = linear(x, p.up as tf.Tensor2D); // [N, F]
    return linear(tf.mul(tf.mul(g, tf.sigmoid(g)), u), p.down as tf.Tensor2D); // [N, D]
  });
}

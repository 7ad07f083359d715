/**
 * Incremental decoding with a KV cache (docs/references.md, "Decoding"): one full pass over the left-padded prompts
 * (prefill), then one token per sequence per step. Each step's logits come back to JS as a Float32Array, where
 * the sampler works. Positions continue each row's own count of real tokens (HF's cumsum(mask) − 1), and
 * padded cache slots stay masked, so a left-padded row decodes exactly as it would alone.
 */
import * as tf from "@tensorflow/tfjs-core";
import { mm2d } from "../backend/matmul";
import { leftPad, ropeTables } from "./batch";
import { attentionDecode, mlp, rmsNorm, ropeTensors } from "./layers";
import type { Qwen2ForCausalLM } from "./qwen2";

type Kv = { k: tf.Tensor3D; v: tf.Tensor3D };

/** A batch of sequences being decoded. Owns its cache tensors: call {@link DecodeSession.dispose}. */
export class DecodeSession {
  private caches: Kv[];
  /** Per row, 1/0 for every cache slot (prompt padding is 0). */
  private keyMask: number[][];
  /** Per row, the position id of the next token. */
  private nextPos: number[];

  private constructor(
    private readonly model: Qwen2ForCausalLM,
    caches: Kv[],
    keyMask: number[][],
    nextPos: number[],
  ) {
    this.caches = caches;
    this.keyMask = keyMask;
    this.nextPos = nextPos;
  }

  /** Rows in the session. */
  get batchSize(): number {
    return this.nextPos.length;
  }

  /** Cached positions per row (padded prompt length + steps taken). */
  get length(): number {
    return this.keyMask[0]?.length ?? 0;
  }

  /**
   * Runs the prompts (ragged; left-padded here) through the model and returns the session plus the logits of
   * each row's last prompt token, [B*V] row-major. `padId` fills the (masked) padding slots.
   */
  static async prefill(
    model: Qwen2ForCausalLM,
    promptIds: number[][],
    padId = 0,
  ): Promise<{ session: DecodeSession; logits: Float32Array }> {
    model.assertLive();
    const v = model.cfg.vocab_size;
    promptIds.forEach((p, i) => {
      const bad = p.find((id) => !Number.isInteger(id) || id < 0 || id >= v);
      if (bad !== undefined)
        throw new Error(`prompt ${i}: token id ${bad} is outside the vocabulary [0, ${v})`);
    });
    const batch = leftPad(promptIds, padId >= 0 && padId < v ? padId : 0);
    const { b, t } = batch;
    const d = model.cfg.hidden_size;
    const res = tf.tidy(() => {
      const { h, kv } = model.hidden(batch, true);
      const last = tf.reshape(tf.slice(tf.reshape(h, [b, t, d]), [0, t - 1, 0], [b, 1, d]), [b, d]); // [B, D]
      return { logits: mm2d(last as tf.Tensor2D, model.decodeHead()), kv };
    });
    const keyMask = Array.from({ length: b }, (_, i) => Array.from(batch.mask.subarray(i * t, (i + 1) * t)));
    const session = new DecodeSession(
      model,
      res.kv,
      keyMask,
      promptIds.map((p) => p.length),
    );
    const logits = (await res.logits.data()) as Float32Array;
    res.logits.dispose();
    return { session, logits };
  }

  /** Appends one token per row and returns the next logits, [B*V] row-major. */
  async step(tokens: readonly number[]): Promise<Float32Array> {
    const b = this.batchSize;
    if (tokens.length !== b) throw new Error(`DecodeSession.step: ${tokens.length} tokens for ${b} rows`);
    const m = this.model;
    const { kvh, hd } = m.dims;
    const tc = this.length + 1;
    const bias = new Float32Array(b * kvh * tc);
    for (let r = 0; r < b; r++) {
      for (let j = 0; j < kvh; j++) {
        const o = (r * kvh + j) * tc;
        this.keyMask[r].forEach((mk, p) => {
          bias[o + p] = mk ? 0 : -1e9;
        });
      }
    }
    const rope = ropeTables(Int32Array.from(this.nextPos), hd, m.cfg.rope_theta);
    const eps = m.cfg.rms_norm_eps;
    const res = tf.tidy(() => {
      const rt = ropeTensors(rope.cos, rope.sin, hd);
      const biasT = tf.tensor3d(bias, [b * kvh, 1, tc]); // [B*KVH, 1, Tc+1]
      let x: tf.Tensor = tf.gather(m.embed, tf.tensor1d(Int32Array.from(tokens), "int32")); // [B, D]
      const caches: Kv[] = [];
      m.layers.forEach((p, i) => {
        const att = attentionDecode(rmsNorm(x, p.inNorm, eps), p, m.dims, rt, biasT, this.caches[i]);
        caches.push({ k: att.k, v: att.v });
        x = tf.add(x, att.out);
        x = tf.add(x, mlp(rmsNorm(x, p.postNorm, eps), p));
      });
      return { logits: mm2d(rmsNorm(x, m.norm, eps) as tf.Tensor2D, m.decodeHead()), caches };
    });
    this.disposeCaches();
    this.caches = res.caches;
    for (const row of this.keyMask) row.push(1);
    this.nextPos = this.nextPos.map((p) => p + 1);
    const logits = (await res.logits.data()) as Float32Array;
    res.logits.dispose();
    return logits;
  }

  /** Keeps only the given rows (e.g. drop finished sequences), in the given order. */
  keepRows(rows: readonly number[]): void {
    const kvh = this.model.dims.kvh;
    const idx = Int32Array.from(rows.flatMap((r) => Array.from({ length: kvh }, (_, j) => r * kvh + j)));
    const next = tf.tidy(() => {
      const it = tf.tensor1d(idx, "int32");
      return this.caches.map((c) => ({ k: tf.gather(c.k, it), v: tf.gather(c.v, it) }) as Kv);
    });
    this.disposeCaches();
    this.caches = next;
    this.keyMask = rows.map((r) => this.keyMask[r]);
    this.nextPos = rows.map((r) => this.nextPos[r]);
  }

  private disposeCaches(): void {
    for (const c of this.caches) {
      c.k.dispose();
      c.v.dispose();
    }
  }

  /** Frees the cache tensors. */
  dispose(): void {
    this.disposeCaches();
    this.caches = [];
  }
}

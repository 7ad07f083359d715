/**
 * Qwen2ForCausalLM in tfjs-core: RMSNorm, RoPE (rope_theta), grouped-query attention with q/k/v bias, SwiGLU,
 * tied or untied lm_head; loads and saves Hugging Face model directories. Implements the {@link CausalLM}
 * contract (src/model/types.ts) and exposes a KV-cache decoder (src/model/decode.ts) for the sampler.
 */
import * as tf from "@tensorflow/tfjs-core";
import { headTokenLogProbs } from "../backend/logprob";
import { mm2d } from "../backend/matmul";
import { loadHfModelDir, type SaveHfModelDirOptions, saveHfModelDir } from "../io/hf-dir";
import { causalPaddingBias, type PaddedBatch, positionIds, promptCompletionBatch, ropeTables } from "./batch";
import { countParameters, parseQwen2Config, type Qwen2Config } from "./config";
import {
  type AttnDims,
  attentionFull,
  type FullPassContext,
  type LayerParams,
  mlp,
  rmsNorm,
  ropeTensors,
} from "./layers";
import type { CausalLM, CompletionLogProbs } from "./types";
import {
  type HostTensor,
  hostToVariables,
  type RandomInitOptions,
  randomQwen2Tensors,
  variablesToHost,
} from "./weights";

/** Tokens per micro-batch of {@link Qwen2ForCausalLM.tokenLogProbs} when no `microBatch` is given. */
export const DEFAULT_LOGPROB_TOKENS = 4096;

/** Options of {@link Qwen2ForCausalLM.save}. */
export type SaveOptions = Omit<SaveHfModelDirOptions, "config" | "tensors">;

/** A Qwen2 causal LM whose weights are tf.Variables (linear weights held as [in, out]; see weights.ts). */
export class Qwen2ForCausalLM implements CausalLM {
  /** The HF config.json object the model was built from. */
  readonly config: Record<string, unknown>;
  /** The validated config. */
  readonly cfg: Qwen2Config;
  /** Attention sizes derived from the config. */
  readonly dims: AttnDims;
  /** Parameters by HF name, in HF order. */
  readonly params: ReadonlyMap<string, tf.Variable>;
  /** [V, D] token embedding. */
  readonly embed: tf.Variable;
  readonly layers: LayerParams[];
  /** [D] final norm weight. */
  readonly norm: tf.Variable;
  /** [D, V] untied head, or null when tied to `embed`. */
  readonly lmHead: tf.Variable | null;
  private headTCache: { key: object; t: tf.Tensor2D } | null = null;
  private disposed = false;

  constructor(config: Record<string, unknown>, tensors: ReadonlyMap<string, HostTensor>, source = "weights") {
    this.config = { ...config };
    this.cfg = parseQwen2Config(config, `${source} config`);
    const c = this.cfg;
    this.dims = {
      h: c.num_attention_heads,
      kvh: c.num_key_value_heads,
      g: c.num_attention_heads / c.num_key_value_heads,
      hd: c.head_dim,
    };
    const vars = hostToVariables(c, tensors, source);
    this.params = vars;
    const get = (n: string) => vars.get(n)!;
    this.embed = get("model.embed_tokens.weight");
    this.norm = get("model.norm.weight");
    this.lmHead = c.tie_word_embeddings ? null : get("lm_head.weight");
    this.layers = [];
    for (let i = 0; i < c.num_hidden_layers; i++) {
      const p = (s: string) => get(`model.layers.${i}.${s}`);
      this.layers.push({
        inNorm: p("input_layernorm.weight"),
        q: p("self_attn.q_proj.weight"),
        qb: p("self_attn.q_proj.bias"),
        k: p("self_attn.k_proj.weight"),
        kb: p("self_attn.k_proj.bias"),
        v: p("self_attn.v_proj.weight"),
        vb: p("self_attn.v_proj.bias"),
        o: p("self_attn.o_proj.weight"),
        postNorm: p("post_attention_layernorm.weight"),
        gate: p("mlp.gate_proj.weight"),
        up: p("mlp.up_proj.weight"),
        down: p("mlp.down_proj.weight"),
      });
    }
  }

  /** Loads an HF model directory (config.json + safetensors, single or sharded). */
  static async fromPretrained(dir: string): Promise<Qwen2ForCausalLM> {
    const loaded = await loadHfModelDir(dir);
    parseQwen2Config(loaded.config, `${loaded.dir}/config.json`); // errors name the file
    return new Qwen2ForCausalLM(loaded.config, loaded.tensors, loaded.dir);
  }

  /** A model with seeded random weights (for tests and tiny experiments). */
  static random(config: Record<string, unknown>, seed: number, opts?: RandomInitOptions): Qwen2ForCausalLM {
    const cfg = parseQwen2Config(config);
    return new Qwen2ForCausalLM(config, randomQwen2Tensors(cfg, seed, opts), `random(seed=${seed})`);
  }

  /** Writes a valid HF model directory (config.json, safetensors, generation_config.json, tokenizer files). */
  async save(dir: string, opts: SaveOptions = {}): Promise<void> {
    await saveHfModelDir(dir, { ...opts, config: this.config, tensors: this.hostTensors() });
  }

  /** A copy of every weight in the HF layout, by HF name. */
  hostTensors(): Map<string, HostTensor> {
    this.assertLive();
    return variablesToHost(this.params);
  }

  /** True once {@link dispose} has run. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Throws a clear error when the model was disposed (instead of a tfjs internal error later). */
  assertLive(): void {
    if (this.disposed) {
      throw new Error(
        "model was disposed: load it again (Qwen2ForCausalLM.fromPretrained), or dispose it only after every run and eval that uses it has finished",
      );
    }
  }

  /** Number of parameters (tied embeddings counted once). */
  numParameters(): number {
    return countParameters(this.cfg);
  }

  trainableVariables(): tf.Variable[] {
    this.assertLive();
    return [...this.params.values()];
  }

  /**
   * Final-normed hidden states [B*T, D] of a padded batch and, with `keepKv`, each layer's K/V
   * [B*KVH, T, hd]. Call inside tf.tidy (or tf.variableGrads).
   */
  hidden(
    batch: PaddedBatch,
    keepKv = false,
  ): { h: tf.Tensor2D; kv: Array<{ k: tf.Tensor3D; v: tf.Tensor3D }> } {
    this.assertLive();
    const { b, t, ids, mask } = batch;
    const vocab = this.cfg.vocab_size;
    for (let i = 0; i < ids.length; i++) {
      if (!(ids[i] >= 0 && ids[i] < vocab)) {
        throw new Error(
          `token id ${ids[i]} (row ${Math.floor(i / t)}) is outside the vocabulary [0, ${vocab})`,
        );
      }
    }
    const hd = this.dims.hd;
    const rope = ropeTables(positionIds(mask, b, t), hd, this.cfg.rope_theta);
    const ctx: FullPassContext = {
      b,
      t,
      rope: ropeTensors(rope.cos, rope.sin, hd),
      bias: tf.unstack(tf.tensor3d(causalPaddingBias(mask, b, t), [b, t, t])) as tf.Tensor2D[],
    };
    const eps = this.cfg.rms_norm_eps;
    let x: tf.Tensor = tf.gather(this.embed, tf.tensor1d(ids, "int32")); // [B*T, D]
    const kv: Array<{ k: tf.Tensor3D; v: tf.Tensor3D }> = [];
    for (const p of this.layers) {
      const att = attentionFull(rmsNorm(x, p.inNorm, eps), p, this.dims, ctx, keepKv);
      if (att.k && att.v) kv.push({ k: att.k, v: att.v });
      x = tf.add(x, att.out);
      x = tf.add(x, mlp(rmsNorm(x, p.postNorm, eps), p));
    }
    return { h: rmsNorm(x, this.norm, eps) as tf.Tensor2D, kv };
  }

  /** The [D, V] head weight inside the graph (differentiable; the transpose of embed when tied). */
  headWeight(): tf.Tensor2D {
    return (this.lmHead ?? tf.transpose(this.embed)) as tf.Tensor2D;
  }

  /**
   * The [D, V] head for decoding, cached for a tied head (transposing E each step costs more than the step,
   * docs/references.md, "Decoding"). The cache is keyed on the embedding's storage, which `Variable.assign` (every
   * optimizer update) replaces, so it is invalidated by weight updates. Do not dispose the result.
   */
  decodeHead(): tf.Tensor2D {
    if (this.lmHead) return this.lmHead as tf.Tensor2D;
    const key = (this.embed as unknown as { dataId: object }).dataId;
    if (this.headTCache?.key !== key) {
      this.headTCache?.t.dispose();
      this.headTCache = { key, t: tf.keep(tf.transpose(this.embed)) as tf.Tensor2D };
    }
    return this.headTCache.t;
  }

  /** Drops cached derived tensors (the tied head's transpose); they are rebuilt on demand. */
  invalidateCaches(): void {
    this.headTCache?.t.dispose();
    this.headTCache = null;
  }

  /**
   * Logits [B, T, V] for padded ids [B][T] and attention mask [B][T] (1 real, 0 pad; default all ones).
   * Positions come from the mask (cumsum − 1), so a left-padded row equals the unpadded one. Caller disposes.
   */
  forward(ids: number[][], attentionMask?: number[][]): tf.Tensor3D {
    const b = ids.length;
    const t = b ? ids[0].length : 0;
    const flatIds = new Int32Array(b * t);
    const mask = new Uint8Array(b * t).fill(1);
    ids.forEach((row, i) => {
      if (row.length !== t)
        throw new Error(`forward: row ${i} has ${row.length} ids, expected ${t} (pad rows)`);
      flatIds.set(row, i * t);
      if (attentionMask) {
        attentionMask[i].forEach((m, j) => {
          mask[i * t + j] = m ? 1 : 0;
        });
      }
    });
    return tf.tidy(() => {
      const { h } = this.hidden({ b, t, ids: flatIds, mask });
      return tf.reshape(mm2d(h, this.headWeight()), [b, t, this.cfg.vocab_size]) as tf.Tensor3D; // [B, T, V]
    });
  }

  completionLogProbs(
    promptIds: number[][],
    completionIds: number[][],
    opts: { withEntropy?: boolean } = {},
  ): CompletionLogProbs {
    const batch = promptCompletionBatch(promptIds, completionIds, 0);
    const { b, complLen: tc, rows, targets, scatter } = batch;
    const nReal = rows.length;
    const maskData = Float32Array.from(scatter, (s) => (s < nReal ? 1 : 0));
    if (nReal === 0) {
      const z = () => tf.zeros([b, tc]) as tf.Tensor2D;
      return {
        logprobs: z(),
        mask: tf.tensor2d(maskData, [b, tc]),
        entropy: opts.withEntropy ? z() : undefined,
      };
    }
    return tf.tidy(() => {
      const { h } = this.hidden(batch);
      const hr = tf.gather(h, tf.tensor1d(rows, "int32")) as tf.Tensor2D; // [N, D] rows predicting tokens
      const res = headTokenLogProbs(hr, this.headWeight(), targets, { withEntropy: opts.withEntropy });
      const idx = tf.tensor1d(scatter, "int32");
      const toGrid = (v: tf.Tensor1D) => tf.reshape(tf.gather(tf.concat([v, tf.zeros([1])]), idx), [b, tc]); // [B, Tc]
      const out: CompletionLogProbs = {
        logprobs: toGrid(res.logprobs) as tf.Tensor2D,
        mask: tf.tensor2d(maskData, [b, tc]),
      };
      if (res.entropy) out.entropy = toGrid(res.entropy) as tf.Tensor2D;
      return out as unknown as tf.TensorContainer;
    }) as unknown as CompletionLogProbs;
  }

  async tokenLogProbs(
    promptIds: number[][],
    completionIds: number[][],
    opts: { microBatch?: number } = {},
  ): Promise<number[][]> {
    if (promptIds.length !== completionIds.length) {
      throw new Error(`tokenLogProbs: ${promptIds.length} prompts but ${completionIds.length} completions`);
    }
    const maxLen = Math.max(1, ...promptIds.map((p, i) => p.length + completionIds[i].length));
    const mb = opts.microBatch ?? Math.max(1, Math.floor(DEFAULT_LOGPROB_TOKENS / maxLen));
    if (!Number.isInteger(mb) || mb < 1) throw new Error(`tokenLogProbs: microBatch must be ≥ 1, got ${mb}`);
    const out: number[][] = [];
    for (let s = 0; s < promptIds.length; s += mb) {
      const comps = completionIds.slice(s, s + mb);
      const r = this.completionLogProbs(promptIds.slice(s, s + mb), comps);
      const tc = r.logprobs.shape[1];
      const data = await r.logprobs.data();
      r.logprobs.dispose();
      r.mask.dispose();
      comps.forEach((c, i) => {
        out.push(Array.from(data.subarray(i * tc, i * tc + c.length)));
      });
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.invalidateCaches();
    for (const v of this.params.values()) v.dispose();
  }
}

/**
 * Qwen2 configuration: parsed and validated from a Hugging Face config.json (transformers' `Qwen2Config`),
 * plus the parameter shapes and count that follow from it. Field names keep HF's snake_case so config.json
 * loads verbatim.
 */

/** The fields of HF's `Qwen2Config` that the model uses (validated, defaults filled in). */
export interface Qwen2Config {
  /** Vocabulary size (rows of `embed_tokens`). */
  vocab_size: number;
  /** Model width d. */
  hidden_size: number;
  /** SwiGLU inner width. */
  intermediate_size: number;
  /** Number of decoder layers. */
  num_hidden_layers: number;
  /** Query heads H. */
  num_attention_heads: number;
  /** Key/value heads (GQA); default `num_attention_heads`. Must divide H. */
  num_key_value_heads: number;
  /** Per-head width; default `hidden_size / num_attention_heads`. Must be even (RoPE). */
  head_dim: number;
  /** RMSNorm epsilon; default 1e-6. */
  rms_norm_eps: number;
  /** RoPE base; default 10000. */
  rope_theta: number;
  /** Whether lm_head reuses embed_tokens; default false (HF's Qwen2Config default). */
  tie_word_embeddings: boolean;
  /** Longest supported context; default 32768. Informational (RoPE is computed on the fly). */
  max_position_embeddings: number;
}

const REQUIRED = [
  "vocab_size",
  "hidden_size",
  "intermediate_size",
  "num_hidden_layers",
  "num_attention_heads",
] as const;

function positiveInt(raw: Record<string, unknown>, key: string, where: string, fallback?: number): number {
  const v = raw[key] ?? fallback;
  if (v === undefined) throw new Error(`${where}: missing required field "${key}" (a positive integer)`);
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw new Error(`${where}: field "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function positiveNumber(raw: Record<string, unknown>, key: string, where: string, fallback: number): number {
  const v = raw[key] ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new Error(`${where}: field "${key}" must be a positive number, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * Validates an HF config.json object as a Qwen2 config. `source` (e.g. the file path) prefixes error messages.
 * Throws on a missing or malformed field, inconsistent head counts, or unsupported features (rope_scaling,
 * sliding-window attention, another model_type).
 */
export function parseQwen2Config(raw: Record<string, unknown>, source = "config.json"): Qwen2Config {
  if (raw == null || typeof raw !== "object") throw new Error(`${source}: expected a JSON object`);
  const mt = raw.model_type;
  if (mt !== undefined && mt !== "qwen2") {
    throw new Error(`${source}: field "model_type" is ${JSON.stringify(mt)}; only "qwen2" is supported`);
  }
  if (raw.rope_scaling != null) {
    throw new Error(`${source}: field "rope_scaling" is set; only plain RoPE is supported (set it to null)`);
  }
  if (raw.use_sliding_window === true) {
    throw new Error(
      `${source}: field "use_sliding_window" is true; sliding-window attention is not supported`,
    );
  }
  for (const k of REQUIRED) positiveInt(raw, k, source);
  const heads = positiveInt(raw, "num_attention_heads", source);
  const hidden = positiveInt(raw, "hidden_size", source);
  const kv = positiveInt(raw, "num_key_value_heads", source, heads);
  if (heads % kv !== 0) {
    throw new Error(
      `${source}: "num_attention_heads" (${heads}) must be a multiple of "num_key_value_heads" (${kv})`,
    );
  }
  if (raw.head_dim === undefined && hidden % heads !== 0) {
    throw new Error(
      `${source}: "hidden_size" (${hidden}) must be a multiple of "num_attention_heads" (${heads})`,
    );
  }
  const headDim = positiveInt(raw, "head_dim", source, hidden / heads);
  if (headDim % 2 !== 0) throw new Error(`${source}: head dim ${headDim} must be even for RoPE`);
  const tie = raw.tie_word_embeddings ?? false;
  if (typeof tie !== "boolean") throw new Error(`${source}: field "tie_word_embeddings" must be a boolean`);
  return {
    vocab_size: positiveInt(raw, "vocab_size", source),
    hidden_size: hidden,
    intermediate_size: positiveInt(raw, "intermediate_size", source),
    num_hidden_layers: positiveInt(raw, "num_hidden_layers", source),
    num_attention_heads: heads,
    num_key_value_heads: kv,
    head_dim: headDim,
    rms_norm_eps: positiveNumber(raw, "rms_norm_eps", source, 1e-6),
    rope_theta: positiveNumber(raw, "rope_theta", source, 10000),
    tie_word_embeddings: tie,
    max_position_embeddings: positiveInt(raw, "max_position_embeddings", source, 32768),
  };
}

/**
 * Every parameter's HF name and HF shape (`[out, in]` for linear weights), in HF state-dict order. Needs no
 * tensors, so a 1.5B config "builds" here without allocating anything.
 */
export function qwen2ParameterShapes(cfg: Qwen2Config): Array<[string, number[]]> {
  const d = cfg.hidden_size;
  const qd = cfg.num_attention_heads * cfg.head_dim;
  const kvd = cfg.num_key_value_heads * cfg.head_dim;
  const f = cfg.intermediate_size;
  const out: Array<[string, number[]]> = [["model.embed_tokens.weight", [cfg.vocab_size, d]]];
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const p = `model.layers.${i}.`;
    out.push(
      [`${p}self_attn.q_proj.weight`, [qd, d]],
      [`${p}self_attn.q_proj.bias`, [qd]],
      [`${p}self_attn.k_proj.weight`, [kvd, d]],
      [`${p}self_attn.k_proj.bias`, [kvd]],
      [`${p}self_attn.v_proj.weight`, [kvd, d]],
      [`${p}self_attn.v_proj.bias`, [kvd]],
      [`${p}self_attn.o_proj.weight`, [d, qd]],
      [`${p}mlp.gate_proj.weight`, [f, d]],
      [`${p}mlp.up_proj.weight`, [f, d]],
      [`${p}mlp.down_proj.weight`, [d, f]],
      [`${p}input_layernorm.weight`, [d]],
      [`${p}post_attention_layernorm.weight`, [d]],
    );
  }
  out.push(["model.norm.weight", [d]]);
  if (!cfg.tie_word_embeddings) out.push(["lm_head.weight", [cfg.vocab_size, d]]);
  return out;
}

/** Number of trainable parameters implied by the config (tied embeddings counted once). */
export function countParameters(cfg: Qwen2Config): number {
  let n = 0;
  for (const [, shape] of qwen2ParameterShapes(cfg)) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/** Matmul FLOPs of one forward token at context length `ctx` (2 per multiply-add; attention included). */
export function forwardFlopsPerToken(cfg: Qwen2Config, ctx: number): number {
  const d = cfg.hidden_size;
  const qd = cfg.num_attention_heads * cfg.head_dim;
  const kvd = cfg.num_key_value_heads * cfg.head_dim;
  const perLayer = 2 * d * (2 * qd + 2 * kvd) + 2 * 3 * d * cfg.intermediate_size + 2 * 2 * qd * ctx;
  return cfg.num_hidden_layers * perLayer + 2 * d * cfg.vocab_size;
}

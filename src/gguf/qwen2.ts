/**
 * A Qwen2ForCausalLM as llama.cpp's `qwen2` architecture: HF tensor names → GGUF names, the `qwen2.*`
 * hyper-parameters, and the type each tensor gets (convert_hf_to_gguf.py: 1-D tensors stay F32; 2-D weights
 * take the target type; a Q8_0 weight whose rows are not a multiple of 32 falls back to F16).
 */
import { type Qwen2Config, qwen2ParameterShapes } from "../model/config";
import { validateQwen2Tensors } from "../model/weights";
import { GgmlType, type GgufOutType, gv, LLAMA_FILE_TYPE, QK8_0 } from "./format";
import type { GgufMetadata, GgufTensorSpec } from "./writer";

/** Where the f32 weights come from, by HF name and in the HF layout ([out, in] for linear weights). */
export interface TensorSource {
  /** Shape of each available tensor, by HF name. */
  shapes: ReadonlyMap<string, { shape: readonly number[] }>;
  /** Reads one tensor (called once per tensor, while writing). */
  read(name: string): Float32Array;
}

/** `ggml quantization version` written by gguf-py (GGML_QUANT_VERSION). */
export const GGML_QUANT_VERSION = 2;

/** The GGUF name of an HF Qwen2 parameter (throws on a name this architecture does not have). */
export function ggufTensorName(hf: string): string {
  if (hf === "model.embed_tokens.weight") return "token_embd.weight";
  if (hf === "model.norm.weight") return "output_norm.weight";
  if (hf === "lm_head.weight") return "output.weight";
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hf);
  const map: Record<string, string> = {
    "input_layernorm.weight": "attn_norm.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.q_proj.bias": "attn_q.bias",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.k_proj.bias": "attn_k.bias",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.v_proj.bias": "attn_v.bias",
    "self_attn.o_proj.weight": "attn_output.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
  };
  if (m && map[m[2]]) return `blk.${m[1]}.${map[m[2]]}`;
  throw new Error(`no GGUF name for Qwen2 tensor "${hf}"`);
}

/** The ggml type a tensor of `shape` gets in a file of type `out`. */
export function ggmlTypeFor(out: GgufOutType, shape: readonly number[]): GgmlType {
  if (shape.length < 2 || out === "F32") return GgmlType.F32;
  if (out === "F16") return GgmlType.F16;
  return shape[shape.length - 1] % QK8_0 === 0 ? GgmlType.Q8_0 : GgmlType.F16;
}

/** The `general.*` and `qwen2.*` metadata of a model. */
export function qwen2Metadata(cfg: Qwen2Config, name: string, out: GgufOutType): GgufMetadata {
  const meta: GgufMetadata = [
    ["general.architecture", gv.str("qwen2")],
    ["general.type", gv.str("model")],
    ["general.name", gv.str(name)],
    ["general.file_type", gv.u32(LLAMA_FILE_TYPE[out])],
    ["general.quantization_version", gv.u32(GGML_QUANT_VERSION)],
    ["qwen2.block_count", gv.u32(cfg.num_hidden_layers)],
    ["qwen2.context_length", gv.u32(cfg.max_position_embeddings)],
    ["qwen2.embedding_length", gv.u32(cfg.hidden_size)],
    ["qwen2.feed_forward_length", gv.u32(cfg.intermediate_size)],
    ["qwen2.attention.head_count", gv.u32(cfg.num_attention_heads)],
    ["qwen2.attention.head_count_kv", gv.u32(cfg.num_key_value_heads)],
    ["qwen2.rope.freq_base", gv.f32(cfg.rope_theta)],
    ["qwen2.attention.layer_norm_rms_epsilon", gv.f32(cfg.rms_norm_eps)],
  ];
  if (cfg.head_dim * cfg.num_attention_heads !== cfg.hidden_size) {
    meta.push(["qwen2.attention.key_length", gv.u32(cfg.head_dim)]);
    meta.push(["qwen2.attention.value_length", gv.u32(cfg.head_dim)]);
  }
  return meta;
}

/**
 * The tensors of a Qwen2 model in GGUF order (embedding, blocks, final norm, untied head), validated against
 * the config first (errors name the tensor and `source`). A tied config's stray `lm_head.weight` is skipped.
 */
export function qwen2Tensors(
  cfg: Qwen2Config,
  src: TensorSource,
  out: GgufOutType,
  source: string,
): GgufTensorSpec[] {
  validateQwen2Tensors(cfg, src.shapes, source);
  const order = qwen2ParameterShapes(cfg).map(([n]) => n);
  const rank = (hf: string) => {
    if (hf === "model.embed_tokens.weight") return -1;
    if (hf === "model.norm.weight") return 1e9;
    if (hf === "lm_head.weight") return 1e9 + 1;
    return order.indexOf(hf);
  };
  return order
    .sort((a, b) => rank(a) - rank(b))
    .map((hf) => {
      const shape = src.shapes.get(hf)!.shape;
      return { name: ggufTensorName(hf), shape, type: ggmlTypeFor(out, shape), data: () => src.read(hf) };
    });
}

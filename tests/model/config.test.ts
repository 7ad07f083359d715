import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { countParameters, parseQwen2Config, qwen2ParameterShapes } from "../../src/model/config";

/** config.json of deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B (as published on the Hugging Face Hub). */
const R1_DISTILL_1_5B = {
  architectures: ["Qwen2ForCausalLM"],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151643,
  hidden_act: "silu",
  hidden_size: 1536,
  initializer_range: 0.02,
  intermediate_size: 8960,
  max_position_embeddings: 131072,
  max_window_layers: 21,
  model_type: "qwen2",
  num_attention_heads: 12,
  num_hidden_layers: 28,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  sliding_window: 4096,
  tie_word_embeddings: false,
  torch_dtype: "bfloat16",
  transformers_version: "4.44.0",
  use_cache: true,
  use_mrope: false,
  use_sliding_window: false,
  vocab_size: 151936,
};

describe("Qwen2 config", () => {
  it("builds the DeepSeek-R1-Distill-Qwen-1.5B config shape-only and counts 1,777,088,000 parameters", () => {
    const cfg = parseQwen2Config(R1_DISTILL_1_5B);
    assert.equal(cfg.head_dim, 128);
    // By hand: per layer q 1536·1536+1536, k and v 1536·256+256 each, o 1536·1536, MLP 3·1536·8960,
    // two norms 2·1536 → 46,797,824; × 28 = 1,310,339,072. Embedding and untied head 2·151936·1536 =
    // 466,747,392. Final norm 1536. Total 1,777,088,000.
    const perLayer = 1536 * 1536 + 1536 + 2 * (1536 * 256 + 256) + 1536 * 1536 + 3 * 1536 * 8960 + 2 * 1536;
    assert.equal(perLayer, 46_797_824);
    assert.equal(countParameters(cfg), 28 * perLayer + 2 * 151936 * 1536 + 1536);
    assert.equal(countParameters(cfg), 1_777_088_000);
    assert.equal(qwen2ParameterShapes(cfg).length, 1 + 28 * 12 + 1 + 1);
  });

  it("counts a tied tiny config by hand", () => {
    const cfg = parseQwen2Config({
      vocab_size: 10,
      hidden_size: 4,
      intermediate_size: 6,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      num_key_value_heads: 1,
      tie_word_embeddings: true,
    });
    // embed 40; q 16+4; k 8+2; v 8+2; o 16; mlp 3·24=72; norms 4+4; final norm 4 → 180.
    assert.equal(countParameters(cfg), 180);
    assert.equal(cfg.head_dim, 2);
    assert.equal(cfg.rope_theta, 10000);
    assert.equal(cfg.rms_norm_eps, 1e-6);
  });

  it("names the field in errors", () => {
    const base = { ...R1_DISTILL_1_5B };
    assert.throws(
      () => parseQwen2Config({ ...base, hidden_size: undefined }, "m/config.json"),
      /m\/config\.json.*"hidden_size"/,
    );
    assert.throws(
      () => parseQwen2Config({ ...base, vocab_size: 1.5 }),
      /"vocab_size" must be a positive integer/,
    );
    assert.throws(() => parseQwen2Config({ ...base, num_key_value_heads: 5 }), /"num_key_value_heads" \(5\)/);
    assert.throws(() => parseQwen2Config({ ...base, model_type: "qwen3" }), /"model_type" is "qwen3"/);
    assert.throws(() => parseQwen2Config({ ...base, rope_scaling: { type: "yarn" } }), /"rope_scaling"/);
    assert.throws(() => parseQwen2Config({ ...base, rms_norm_eps: -1 }), /"rms_norm_eps"/);
    assert.throws(() => parseQwen2Config({ ...base, tie_word_embeddings: "no" }), /"tie_word_embeddings"/);
  });
});

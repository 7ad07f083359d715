import { mkdtempSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { initBackend } from "../../../src/backend/select";
import { REPO_ROOT } from "../../../src/eval/benchmarks";
import { Qwen2ForCausalLM } from "../../../src/model/qwen2";
import { HfTokenizer } from "../../../src/tokenizer/tokenizer";

/** The tiny-r1 tokenizer committed by the tokenizer work (DeepSeek-R1-Distill specials and chat template). */
export const TINY_TOKENIZER_DIR = path.join(REPO_ROOT, "data/models/tiny-r1");

/**
 * Writes a tiny random Qwen2 whose vocabulary matches the tiny-r1 tokenizer into a fresh temp dir (config.json,
 * safetensors, tokenizer files) and returns the dir. Seeded, so every call gives the same weights.
 */
export async function writeTinyModelDir(seed = 7): Promise<string> {
  await initBackend();
  const tok = HfTokenizer.fromDir(TINY_TOKENIZER_DIR);
  const config = {
    model_type: "qwen2",
    architectures: ["Qwen2ForCausalLM"],
    vocab_size: tok.vocabSize,
    hidden_size: 32,
    intermediate_size: 48,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 2048,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    bos_token_id: tok.bosTokenId ?? 0,
    eos_token_id: tok.eosTokenId,
    tie_word_embeddings: true,
    torch_dtype: "float32",
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), "tiny-r1-random-"));
  const model = Qwen2ForCausalLM.random(config, seed);
  await model.save(dir, { tokenizerDir: TINY_TOKENIZER_DIR });
  model.dispose();
  return dir;
}

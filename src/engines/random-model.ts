/**
 * A seeded random ~25M-parameter Qwen2 (d 512, 8 layers, tiny-r1's 832-token vocabulary) written as an HF
 * directory into the cache on first use: the mid-size model of the engine parity tests and `bench/generate.ts`
 * (large enough that matmuls, not per-step overheads, dominate). Never committed; the same seed gives the same
 * bytes on every machine.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultCacheDir } from "../hub/config";
import { saveHfModelDir } from "../io/hf-dir";
import { countParameters, parseQwen2Config } from "../model/config";
import { randomQwen2Tensors } from "../model/weights";

/** The embedded tiny-r1 model directory (its tokenizer gives the random model a real vocabulary). */
export const TINY_R1_DIR = resolve(__dirname, "../../data/models/tiny-r1");

/** Config of the random 24.6M model (tied head; ids of tiny-r1's special tokens). */
export const RANDOM_25M_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  architectures: ["Qwen2ForCausalLM"],
  model_type: "qwen2",
  vocab_size: 832,
  hidden_size: 512,
  intermediate_size: 1536,
  num_hidden_layers: 8,
  num_attention_heads: 8,
  num_key_value_heads: 2,
  max_position_embeddings: 2048,
  rms_norm_eps: 1e-6,
  rope_theta: 1e6,
  tie_word_embeddings: true,
  bos_token_id: 825,
  eos_token_id: 826,
  pad_token_id: 827,
});

/** Default seed of the random model. */
export const RANDOM_25M_SEED = 25;

/** Parameters of {@link RANDOM_25M_CONFIG} (24,558,080). */
export const RANDOM_25M_PARAMS = countParameters(parseQwen2Config({ ...RANDOM_25M_CONFIG }));

/**
 * The directory of the random model (`<cacheDir>/models/random-qwen2-25m-seed<seed>`), written on first call
 * (~100 MB F32 safetensors, about a second); later calls return it when its config.json matches.
 */
export async function ensureRandom25m(opts: { cacheDir?: string; seed?: number } = {}): Promise<string> {
  const seed = opts.seed ?? RANDOM_25M_SEED;
  const dir = join(opts.cacheDir ?? defaultCacheDir(), "models", `random-qwen2-25m-seed${seed}`);
  const cfgPath = join(dir, "config.json");
  if (existsSync(cfgPath) && existsSync(join(dir, "model.safetensors"))) {
    const have = JSON.parse(readFileSync(cfgPath, "utf8")) as Record<string, unknown>;
    if (Object.entries(RANDOM_25M_CONFIG).every(([k, v]) => JSON.stringify(have[k]) === JSON.stringify(v)))
      return dir;
  }
  const cfg = parseQwen2Config({ ...RANDOM_25M_CONFIG });
  await saveHfModelDir(dir, {
    config: { ...RANDOM_25M_CONFIG },
    tensors: randomQwen2Tensors(cfg, seed),
    tokenizerDir: TINY_R1_DIR,
  });
  return dir;
}

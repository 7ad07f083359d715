/**
 * The recipe of the embedded default model `data/models/tiny-r1` and of its curriculum: one place that
 * `scripts/make-tiny.ts`, the quickstart and the tests read, so the held-out sets the model card reports
 * are exactly the ones the quickstart evaluates.
 */
import type { LevelParams, SftOptions, SplitOptions, SynthLevel, SynthSplits } from "../data/synthetic";
import { makeSplits } from "../data/synthetic";
import type { SftConfig } from "../sft/config";

/** Where the model lives, relative to the repository root. */
export const TINY_MODEL_DIR = "data/models/tiny-r1";

/** Difficulty overrides of the curriculum (merged over the generator's DEFAULT_LEVELS). */
export const TINY_LEVELS: Partial<Record<SynthLevel, Partial<LevelParams>>> = {
  Easy: { addMax: 12, mulMax: 6, denMax: 8, countMax: 30, modMax: 6, xMax: 6 },
  Hard: { addMax: 12, mulMax: 6, denMax: 8, countMax: 40, modMax: 6, xMax: 6 },
};

/** The fixed splits: training rows for SFT and GRPO, held-out Hard and Easy sets. */
export const TINY_SPLITS: Readonly<SplitOptions> = Object.freeze({
  seed: 1234,
  trainSize: 4000,
  trainHardFraction: 0.5,
  heldoutHardSize: 300,
  heldoutEasySize: 200,
  levels: TINY_LEVELS,
});

/** The curriculum's splits (deterministic). */
export function tinySplits(overrides: Partial<SplitOptions> = {}): SynthSplits {
  return makeSplits({ ...TINY_SPLITS, ...overrides });
}

/** Qwen2 shape of the model (vocab and special ids come from the tokenizer). */
export const TINY_ARCH = Object.freeze({
  hidden_size: 192,
  intermediate_size: 512,
  num_hidden_layers: 4,
  num_attention_heads: 6,
  num_key_value_heads: 2,
  tie_word_embeddings: true,
  max_position_embeddings: 512,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
});

/** SFT traces: how many are flawed (the rest are clean), and the corpus seed. */
export const TINY_SFT_DATA: Readonly<{ seed: number; options: Partial<SftOptions> }> = Object.freeze({
  seed: 7,
  options: { flawedFraction: 0.3 },
});

/** SFT optimisation. */
export const TINY_SFT: Readonly<Partial<SftConfig>> = Object.freeze({
  max_steps: 300,
  per_device_train_batch_size: 32,
  micro_batch_tokens: 2048,
  learning_rate: 2e-3,
  // constant LR: checkpoint k of a longer run is bit-identical to a k-step run (tuning by checkpoints)
  lr_scheduler_type: "constant",
  warmup_ratio: 0,
  weight_decay: 0.01,
  seed: 0,
});

/** Seed of the random initialisation. */
export const TINY_INIT_SEED = 20250321;

/**
 * The recipe of the embedded default model `data/models/tiny-r1` and of its curriculum: one place that
 * `scripts/make-tiny.ts`, the quickstart and the tests read, so the held-out sets the model card reports
 * are exactly the ones the quickstart evaluates.
 */
import type {
  LevelParams,
  SftOptions,
  SplitOptions,
  SynthKind,
  SynthLevel,
  SynthSplits,
} from "../data/synthetic/index";
import { makeSplits } from "../data/synthetic/index";
import type { SftConfig } from "../sft/config";

/** Where the model lives, relative to the repository root. */
export const TINY_MODEL_DIR = "data/models/tiny-r1";

/**
 * Difficulty overrides of the curriculum (merged over the generator's DEFAULT_LEVELS), small enough for a
 * from-scratch ~2M model to learn the facts in a few hundred SFT steps: Hard chains 2–3 operations on operands
 * 1–5 (+, −, and × by 2–3), no negatives; Easy is one operation (a ± b with a, b ≤ 20, one-digit ×),
 * n mod m with n ≤ 40, or x ± a = c. Stories are 25% of the arithmetic.
 */
export const TINY_LEVELS: Partial<Record<SynthLevel, Partial<LevelParams>>> = {
  Easy: {
    addMax: 20,
    mulMax: 9,
    mulLeftMax: 9,
    ops: ["+", "-", "*"],
    wordFraction: 0.25,
    negFraction: 0,
    modMax: 9,
    modNMax: 40,
    xMax: 20,
    eqForms: ["x+a=c", "x-a=c"],
  },
  Hard: {
    addMax: 5,
    mulMax: 3,
    mulLeftMax: 5,
    chain: [2, 3],
    ops: ["+", "-", "*"],
    wordFraction: 0.25,
    negFraction: 0,
  },
};

/** Kinds per level (repeats weight them): Easy mixes one-step kinds, Hard is 2–3-operation chains. */
export const TINY_LEVEL_KINDS: Partial<Record<SynthLevel, readonly SynthKind[]>> = {
  Easy: ["arithmetic", "arithmetic", "equations", "remainders"],
  Hard: ["arithmetic"],
};

/** The fixed splits: training rows for SFT and GRPO, held-out Hard and Easy sets. */
export const TINY_SPLITS: Readonly<SplitOptions> = Object.freeze({
  seed: 1234,
  trainSize: 4000,
  trainHardFraction: 0.85,
  heldoutHardSize: 300,
  heldoutEasySize: 100,
  levels: TINY_LEVELS,
  levelKinds: TINY_LEVEL_KINDS,
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

/**
 * SFT traces: the corpus is `passes` trace sets over the training rows (seeds `seed`, `seed + 1`, …: each pass
 * draws fresh wording, verbosity and flaws), 30% flawed, each reasoning opening with the operands restated.
 */
export const TINY_SFT_DATA: Readonly<{ seed: number; passes: number; options: Partial<SftOptions> }> =
  Object.freeze({
    seed: 7,
    passes: 4,
    options: { flawedFraction: 0.3, restate: true },
  });

/** SFT optimisation. */
export const TINY_SFT: Readonly<Partial<SftConfig>> = Object.freeze({
  max_steps: 600,
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

/**
 * The SFT (cross-entropy) config, declared once as a table (src/config/schema.ts): kind, default and doc per field.
 * Optimisation field names follow HF `TrainingArguments` (snake_case), as in the GRPO config, so the LR schedule
 * and AdamW of src/optim/ read both.
 */
import {
  type ConfigOf,
  checkField,
  defaultsOf,
  didYouMean,
  hasOwn,
  mutableDefaults,
  type Schema,
} from "../config/schema";
import { LR_SCHEDULER_TYPES, type LrSchedulerKwargs } from "../optim/schedule";

/** Optimizers: our torch-exact AdamW (src/optim/adamw.ts) or tfjs's built-in Adam (no decay, no state export). */
export const SFT_OPTIMIZERS = ["adamw", "tf-adam"] as const;
export type SftOptimizer = (typeof SFT_OPTIMIZERS)[number];

/** Everything an SFT run reads. */
export const SFT_SCHEMA = {
  learning_rate: {
    kind: "number",
    default: 3e-3,
    doc: "Peak learning rate, > 0. Default 3e-3 (tiny models).",
  },
  lr_scheduler_type: {
    kind: "enum",
    values: LR_SCHEDULER_TYPES,
    default: "cosine_with_min_lr",
    doc: "LR schedule after warmup (HF names). Default `cosine_with_min_lr`.",
  },
  lr_scheduler_kwargs: {
    kind: "object",
    default: { min_lr_rate: 0.1 } as LrSchedulerKwargs,
    doc: "Schedule arguments (`min_lr_rate` or `min_lr`). Default `{min_lr_rate: 0.1}`.",
  },
  warmup_ratio: {
    kind: "number",
    default: 0.05,
    doc: "Fraction of steps in linear warmup, in [0, 1]. Default 0.05.",
  },
  warmup_steps: {
    kind: "int",
    min: 0,
    default: 0,
    doc: "Warmup steps; overrides `warmup_ratio` when > 0. Default 0.",
  },
  max_steps: { kind: "int", default: 0, doc: "Optimizer steps. Required (> 0)." },
  per_device_train_batch_size: { kind: "int", default: 32, doc: "Examples per optimizer step. Default 32." },
  micro_batch_tokens: {
    kind: "int",
    default: 2048,
    doc: "Most padded tokens (prompt + completion) per forward/backward pass; bounds the wasm heap. Default 2048.",
  },
  weight_decay: { kind: "number", min: 0, default: 0.01, doc: "AdamW decoupled weight decay. Default 0.01." },
  adam_beta1: { kind: "number", min: 0, default: 0.9, doc: "AdamW β1. Default 0.9." },
  adam_beta2: { kind: "number", min: 0, default: 0.95, doc: "AdamW β2. Default 0.95." },
  adam_epsilon: { kind: "number", min: 0, default: 1e-8, doc: "AdamW ε. Default 1e-8." },
  max_grad_norm: { kind: "number", min: 0, default: 1, doc: "Global grad-norm clip; 0 disables. Default 1." },
  optimizer: {
    kind: "enum",
    values: SFT_OPTIMIZERS,
    default: "adamw",
    doc: "Which optimizer. Default `adamw`.",
  },
  seed: { kind: "int", default: 0, doc: "Seed of the example order. Default 0." },
  save_steps: {
    kind: "int",
    min: 0,
    default: 0,
    doc: "Save an HF model dir to `output_dir/checkpoint-<step>` every N steps; 0 disables. Default 0.",
  },
  output_dir: {
    kind: "string?",
    default: null,
    doc: "Where loss.jsonl and checkpoints go; null writes nothing. Default null.",
  },
} as const satisfies Schema;

/** An SFT config: one value per field of {@link SFT_SCHEMA}. */
export type SftConfig = ConfigOf<typeof SFT_SCHEMA>;

/** Defaults of {@link SftConfig} (`max_steps` must be set by the caller). */
export const SFT_DEFAULTS: Readonly<SftConfig> = defaultsOf(SFT_SCHEMA);

function bad(key: string, value: unknown, fix: string): Error {
  return new Error(`SFT config: ${key} = ${JSON.stringify(value)} is invalid: ${fix}`);
}

/** Defaults merged with `overrides`, each value checked against its field, then the rules; errors name the field. */
export function resolveSftConfig(overrides: Partial<SftConfig>): SftConfig {
  const c = mutableDefaults(SFT_SCHEMA);
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!hasOwn(SFT_SCHEMA, key)) {
      const valid = Object.keys(SFT_SCHEMA);
      throw new Error(
        `SFT config: unknown key ${key}.${didYouMean(key, valid)} Valid keys: ${valid.join(", ")}.`,
      );
    }
    c[key] = checkField(key, SFT_SCHEMA[key as keyof SftConfig], value, bad);
  }
  const config = c as unknown as SftConfig;
  for (const k of ["max_steps", "per_device_train_batch_size", "micro_batch_tokens"] as const) {
    if (!(config[k] > 0)) {
      throw new Error(`SFT config: ${k} must be a positive integer, got ${JSON.stringify(config[k])}`);
    }
  }
  if (!(config.learning_rate > 0))
    throw new Error(`SFT config: learning_rate must be > 0, got ${config.learning_rate}`);
  if (!(config.warmup_ratio >= 0 && config.warmup_ratio <= 1)) {
    throw new Error(`SFT config: warmup_ratio must be in [0, 1], got ${config.warmup_ratio}`);
  }
  return config;
}

/**
 * The SFT (cross-entropy) config: one typed object with defaults. Optimisation field names follow HF
 * `TrainingArguments` (snake_case) so the LR schedule and AdamW are shared with the GRPO trainer.
 */
import type { LrSchedulerType } from "../grpo/config";

/** Optimizer: our torch-exact AdamW (src/grpo/optimizer.ts) or tfjs's built-in Adam (no decay, no state export). */
export type SftOptimizer = "adamw" | "tf-adam";

/** Everything an SFT run reads. */
export interface SftConfig {
  /** Peak learning rate. Default 3e-3 (tiny models). */
  learning_rate: number;
  /** LR schedule after warmup (HF names). Default `cosine_with_min_lr`. */
  lr_scheduler_type: LrSchedulerType;
  /** Schedule arguments (`min_lr_rate` or `min_lr`). Default `{min_lr_rate: 0.1}`. */
  lr_scheduler_kwargs: { min_lr_rate?: number; min_lr?: number };
  /** Fraction of steps in linear warmup. Default 0.05. */
  warmup_ratio: number;
  /** Warmup steps; overrides `warmup_ratio` when > 0. Default 0. */
  warmup_steps: number;
  /** Optimizer steps. Required (> 0). */
  max_steps: number;
  /** Examples per optimizer step. Default 32. */
  per_device_train_batch_size: number;
  /** Most padded tokens (prompt + completion) per forward/backward pass; bounds the wasm heap. Default 2048. */
  micro_batch_tokens: number;
  /** AdamW decoupled weight decay. Default 0.01. */
  weight_decay: number;
  adam_beta1: number;
  adam_beta2: number;
  adam_epsilon: number;
  /** Global grad-norm clip; 0 disables. Default 1. */
  max_grad_norm: number;
  /** Which optimizer. Default `adamw`. */
  optimizer: SftOptimizer;
  /** Seed of the example order. Default 0. */
  seed: number;
  /** Save an HF model dir to `output_dir/checkpoint-<step>` every N steps; 0 disables. Default 0. */
  save_steps: number;
  /** Where loss.jsonl and checkpoints go; null writes nothing. Default null. */
  output_dir: string | null;
}

/** Defaults of {@link SftConfig} (`max_steps` must be set by the caller). */
export const SFT_DEFAULTS: Readonly<SftConfig> = Object.freeze({
  learning_rate: 3e-3,
  lr_scheduler_type: "cosine_with_min_lr",
  lr_scheduler_kwargs: Object.freeze({ min_lr_rate: 0.1 }),
  warmup_ratio: 0.05,
  warmup_steps: 0,
  max_steps: 0,
  per_device_train_batch_size: 32,
  micro_batch_tokens: 2048,
  weight_decay: 0.01,
  adam_beta1: 0.9,
  adam_beta2: 0.95,
  adam_epsilon: 1e-8,
  max_grad_norm: 1,
  optimizer: "adamw",
  seed: 0,
  save_steps: 0,
  output_dir: null,
} as SftConfig);

/** Defaults merged with `overrides`, validated; errors name the field. */
export function resolveSftConfig(overrides: Partial<SftConfig>): SftConfig {
  const c: SftConfig = { ...SFT_DEFAULTS, ...overrides };
  const posInt = (k: keyof SftConfig) => {
    const v = c[k];
    if (!(typeof v === "number" && Number.isInteger(v) && v > 0)) {
      throw new Error(`SFT config: ${k} must be a positive integer, got ${JSON.stringify(v)}`);
    }
  };
  posInt("max_steps");
  posInt("per_device_train_batch_size");
  posInt("micro_batch_tokens");
  if (!(c.learning_rate > 0))
    throw new Error(`SFT config: learning_rate must be > 0, got ${c.learning_rate}`);
  if (!(c.warmup_ratio >= 0 && c.warmup_ratio <= 1)) {
    throw new Error(`SFT config: warmup_ratio must be in [0, 1], got ${c.warmup_ratio}`);
  }
  if (c.optimizer !== "adamw" && c.optimizer !== "tf-adam") {
    throw new Error(`SFT config: optimizer must be "adamw" or "tf-adam", got ${JSON.stringify(c.optimizer)}`);
  }
  if (!(Number.isInteger(c.save_steps) && c.save_steps >= 0)) {
    throw new Error(`SFT config: save_steps must be an integer ≥ 0, got ${c.save_steps}`);
  }
  return c;
}

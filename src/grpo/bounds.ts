/**
 * Bounds checked before the first GRPO step, as pure functions of the config and the model's config.json:
 * prompt + completion must fit the model's context, and one step's memory (weights, optimizer state, one
 * training micro-batch's activations, the generation KV cache) must fit the backend's heap. Each error names
 * the settings to lower.
 */
import { totalmem } from "node:os";
import type { Qwen2Config } from "../model/config";
import type { GrpoConfig } from "./config";

/** The config fields the bounds read. */
export type BoundsConfig = Pick<
  GrpoConfig,
  | "max_prompt_length"
  | "max_completion_length"
  | "per_device_train_batch_size"
  | "gradient_accumulation_steps"
  | "num_generations"
  | "beta"
>;

/** The model fields the bounds read (a parsed config.json). */
export type BoundsModel = Pick<
  Qwen2Config,
  | "vocab_size"
  | "hidden_size"
  | "intermediate_size"
  | "num_hidden_layers"
  | "num_attention_heads"
  | "num_key_value_heads"
  | "head_dim"
  | "tie_word_embeddings"
  | "max_position_embeddings"
>;

/** `max_prompt_length + max_completion_length` must fit `max_position_embeddings`; throws naming both keys. */
export function checkContextBounds(cfg: BoundsConfig, model: BoundsModel, source = "config.json"): void {
  const total = cfg.max_prompt_length + cfg.max_completion_length;
  const ctx = model.max_position_embeddings;
  if (total <= ctx) return;
  const room = ctx - cfg.max_prompt_length;
  const fix =
    room >= 1
      ? `lower max_completion_length to ≤ ${room} (or max_prompt_length)`
      : `lower max_prompt_length below ${ctx}, then max_completion_length to fit`;
  throw new Error(
    `GRPO config: max_prompt_length (${cfg.max_prompt_length}) + max_completion_length (${cfg.max_completion_length}) = ${total} exceeds the model's context of ${ctx} tokens (max_position_embeddings in ${source}); ${fix}`,
  );
}

/** Bytes of one step, by part (float32 throughout, as tfjs trains). */
export interface StepMemory {
  /** Weights, gradients and AdamW's two moments (and the reference model when β > 0). */
  weights: number;
  /** Activations kept for the backward pass of one training micro-batch. */
  update: number;
  /** KV cache and logits of one generation micro-batch. */
  generation: number;
  /** weights + the larger of update and generation (they do not overlap). */
  total: number;
}

/**
 * tfjs keeps about twice the textbook activations on the gradient tape (casts, transposes, reshapes and fused
 * kernels' inputs). With it, configs/quickstart.yaml on tiny-r1 estimates at 2.0 GiB for its micro-batch of
 * 48 and 3.9 GiB for 96, at the 4 GiB wasm cap where 96 was measured to overflow (the config's comment). The
 * estimate refuses clearly over-size batches before any work; an OOM that still happens is explained by
 * BATCH_MEMORY_HINT (rollout.ts).
 */
const TAPE_OVERHEAD = 2;

/** Parameters implied by the model config (tied embeddings counted once). */
function parameterCount(m: BoundsModel): number {
  const d = m.hidden_size;
  const qd = m.num_attention_heads * m.head_dim;
  const kvd = m.num_key_value_heads * m.head_dim;
  const layer = d * qd + qd + 2 * (d * kvd + kvd) + qd * d + 3 * d * m.intermediate_size + 2 * d;
  return m.vocab_size * d * (m.tie_word_embeddings ? 1 : 2) + m.num_hidden_layers * layer + d;
}

/**
 * An estimate of one step's memory in bytes, with sequences at their longest (max_prompt_length +
 * max_completion_length tokens). Per token and layer the backward pass keeps the block's inputs, q/k/v,
 * attention output, norms and residuals (~10·d), the MLP's gate, up, activation and product (4·f) and the
 * attention probabilities (2·heads·T); per token the logits, log-softmax and their gradient (3·vocab).
 */
export function estimateStepMemory(cfg: BoundsConfig, model: BoundsModel): StepMemory {
  const f32 = 4;
  const p = parameterCount(model);
  const weights = p * f32 * (4 + (cfg.beta > 0 ? 1 : 0));
  const T = cfg.max_prompt_length + cfg.max_completion_length;
  const B = cfg.per_device_train_batch_size;
  const d = model.hidden_size;
  const kvd = model.num_key_value_heads * model.head_dim;
  const perTokenLayer = 10 * d + 4 * model.intermediate_size + 2 * kvd + 2 * model.num_attention_heads * T;
  const perToken = model.num_hidden_layers * perTokenLayer + 3 * model.vocab_size;
  const update = TAPE_OVERHEAD * B * T * perToken * f32;
  const generation = (B * model.num_hidden_layers * 2 * kvd * T + B * model.vocab_size * 2) * f32;
  return { weights, update, generation, total: weights + Math.max(update, generation) };
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;

/**
 * Throws when {@link estimateStepMemory} exceeds `budgetBytes` (the backend's heap), naming what to lower:
 * the micro-batch (per_device_train_batch_size, with gradient_accumulation_steps to keep the batch) and the
 * lengths, or, when the weights alone do not fit, the backend.
 */
export function checkMemoryBounds(
  cfg: BoundsConfig,
  model: BoundsModel,
  budgetBytes: number,
  budgetName = "the heap",
): StepMemory {
  const m = estimateStepMemory(cfg, model);
  if (m.total <= budgetBytes) return m;
  if (m.weights > budgetBytes) {
    throw new Error(
      `the model's weights, gradients and optimizer state need about ${gib(m.weights)}, more than ${budgetName} (${gib(budgetBytes)}); use a smaller model, or a backend with more memory (open-rs info lists them)`,
    );
  }
  const active = Math.max(m.update, m.generation);
  const perSeq = active / cfg.per_device_train_batch_size;
  const fits = Math.floor((budgetBytes - m.weights) / perSeq);
  const G = cfg.num_generations;
  const suggest = fits >= G ? ` (≤ ${fits - (fits % G)} fits)` : "";
  throw new Error(
    `GRPO config: one step needs about ${gib(m.total)} (weights and optimizer ${gib(m.weights)} + a micro-batch of ${cfg.per_device_train_batch_size} sequences × ${cfg.max_prompt_length + cfg.max_completion_length} tokens ${gib(active)}), more than ${budgetName} (${gib(budgetBytes)}); lower per_device_train_batch_size${suggest}, keeping it a multiple of num_generations, and raise gradient_accumulation_steps to keep the same batch, or lower max_completion_length / max_prompt_length`,
  );
}

/** Both bounds; `budgetBytes` undefined skips the memory one (a backend whose memory is not known). */
export function checkTrainBounds(
  cfg: BoundsConfig,
  model: BoundsModel,
  opts: { budgetBytes?: number; budgetName?: string; source?: string } = {},
): StepMemory {
  checkContextBounds(cfg, model, opts.source);
  if (opts.budgetBytes === undefined) return estimateStepMemory(cfg, model);
  return checkMemoryBounds(cfg, model, opts.budgetBytes, opts.budgetName);
}

/**
 * The memory a backend can give one process, when known: wasm's heap is capped at 4 GiB; the cpu backend
 * uses host memory (three quarters of `totalMemory` counted); a tensorflow (GPU) backend's is not known here.
 */
export function backendMemoryBudget(
  backend: string,
  totalMemory = totalmem(),
): { bytes: number; name: string } | undefined {
  if (backend === "wasm") return { bytes: 4 * 2 ** 30, name: "the 4 GiB wasm heap" };
  if (backend === "cpu")
    return { bytes: 0.75 * totalMemory, name: "three quarters of this machine's memory" };
  return undefined;
}

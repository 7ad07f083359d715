/**
 * The GRPO training config: one typed object, declared and documented once. Field names mirror TRL's
 * `GRPOConfig` / HF `TrainingArguments` / open-r1 `GRPOScriptArguments` (snake_case) so that Open-RS's
 * `recipes/grpo.yaml` loads verbatim. Every field says its meaning, our default, the TRL@`69ad852e` default
 * where it differs, and the value Open-RS used (`recipes/grpo.yaml` @ open-rs `2889c47`).
 *
 * Validation and YAML loading live in `config-resolve.ts`.
 */

/** How per-token losses are reduced to one scalar (current TRL `loss_type`; table in open-rs-and-peers §3.2). */
export type LossType = "grpo" | "bnpo" | "dr_grpo" | "dapo";
/** Which std divides the centred reward (current TRL `scale_rewards`). */
export type ScaleRewards = "group" | "batch" | "none";

import type { LrSchedulerKwargs, LrSchedulerType } from "../optim/schedule";

export type { LrSchedulerType } from "../optim/schedule";
/**
 * `faithful`: exactly what Open-RS ran (TRL@`69ad852e`, open-r1@`5dcfae8` reward semantics).
 * `fixed`: current TRL semantics (nansum of `null` rewards, loss_type / scale_rewards / clip-higher options).
 */
export type GrpoMode = "faithful" | "fixed";

/** Rollout engines (see {@link GrpoConfig.rollout_engine}). */
export const ROLLOUT_ENGINES = ["tfjs", "llama.cpp", "servers"] as const;
export type RolloutEngineName = (typeof ROLLOUT_ENGINES)[number];

export interface GrpoConfig {
  // ---------------------------------------------------------------- model and data
  /** HF model id or local directory. Default null (the caller passes a model). Open-RS: `deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B`. */
  model_name_or_path: string | null;
  /** Model revision (branch, tag or commit). Default `main`. Open-RS: `main`. */
  model_revision: string;
  /** Dataset id or local path. Default null (the caller passes rows). Open-RS: `knoveleng/open-rs`. */
  dataset_name: string | null;
  /** Dataset split used for training. Default `train`. Open-RS: `train`. */
  dataset_train_split: string;
  /** Column holding the problem text (open-r1@`5dcfae8` hard-codes `problem`). Default `problem`. */
  dataset_prompt_column: string;
  /**
   * System message put before each problem (open-r1 `make_conversation`). Default null (no system message).
   * Open-RS: the "A conversation between User and Assistant..." prompt with the literal `\boxed{{}}`.
   */
  system_prompt: string | null;

  // ---------------------------------------------------------------- optimisation
  /** Peak AdamW learning rate. Default 1e-6 (TRL@`69ad852e` too). Open-RS: 1e-6. */
  learning_rate: number;
  /** LR schedule after warmup. Default `linear` (HF). Open-RS: `cosine_with_min_lr`. */
  lr_scheduler_type: LrSchedulerType;
  /**
   * Extra schedule arguments (HF `lr_scheduler_kwargs`): `min_lr_rate` (floor as a fraction of the peak) or
   * `min_lr` (absolute floor); one is required by `cosine_with_min_lr`. Default {}. Open-RS: `{min_lr_rate: 0.1}`.
   */
  lr_scheduler_kwargs: LrSchedulerKwargs;
  /** Fraction of `max_steps` spent in linear warmup, in [0, 1]. Default 0. Open-RS: 0.1 (50 of 500 steps). */
  warmup_ratio: number;
  /** Warmup steps; when > 0 it overrides `warmup_ratio` (HF rule). Default 0. Open-RS: unset. */
  warmup_steps: number;
  /** Optimizer steps to run; -1 derives them from `num_train_epochs`. Default -1 (HF). Open-RS: 500. */
  max_steps: number;
  /** Passes over the dataset, used only when `max_steps` is -1. Default 3 (HF). Open-RS: 1. */
  num_train_epochs: number;
  /** AdamW decoupled weight decay. Default 0 (HF). Open-RS: unset, so 0. */
  weight_decay: number;
  /** AdamW β1. Default 0.9 (HF). Open-RS: unset, so 0.9. */
  adam_beta1: number;
  /** AdamW β2. Default 0.999 (HF). Open-RS: unset, so 0.999. */
  adam_beta2: number;
  /** AdamW ε. Default 1e-8 (HF). Open-RS: unset, so 1e-8. */
  adam_epsilon: number;
  /** Global gradient-norm clip; 0 disables. Default 1.0 (HF). Open-RS: unset, so 1.0. */
  max_grad_norm: number;

  // ---------------------------------------------------------------- batching
  /**
   * Completions (not prompts) per micro-batch per process. Default 8 (HF). Open-RS: 6 (one group of G=6).
   * In faithful mode the loss is a token mean over exactly this many completions.
   */
  per_device_train_batch_size: number;
  /** Micro-batches accumulated per optimizer step. Default 1 (HF). Open-RS: 4. */
  gradient_accumulation_steps: number;
  /** Completions sampled per prompt (G). Must be ≥ 2. Default 8 (TRL@`69ad852e` too). Open-RS: 6. */
  num_generations: number;
  /**
   * Data-parallel processes emulated on one device (`accelerate launch --num_processes`): the global batch is
   * `per_device_train_batch_size × num_processes × gradient_accumulation_steps` completions. Default 1.
   * Open-RS: 3 (so 72 completions = 12 prompts per step).
   */
  num_processes: number;

  // ---------------------------------------------------------------- generation
  /** Prompt tokens kept (left-truncated). Default 512 (TRL@`69ad852e` too). Open-RS: 512. */
  max_prompt_length: number;
  /** Maximum new tokens per completion. Default 256 (TRL@`69ad852e`; current TRL 512). Open-RS: 3584. */
  max_completion_length: number;
  /** Sampling temperature, > 0. Default 0.9 (TRL@`69ad852e`; current TRL 1.0). Open-RS: 0.7. */
  temperature: number;
  /** Nucleus mass in (0, 1]. Default 1 (TRL@`69ad852e` has no top_p, i.e. 1). Open-RS: 1. Faithful mode: 1 only. */
  top_p: number;

  // ---------------------------------------------------------------- policy loss
  /** KL coefficient β (k3 estimator) against the frozen reference. Default 0.04 (TRL@`69ad852e`; current 0.0). Open-RS: unset, so 0.04. */
  beta: number;
  /** Lower (and, unless `epsilon_high` is set, upper) clip range of the ratio. Default 0.2. Open-RS: unset, so 0.2. */
  epsilon: number;
  /** Upper clip range (DAPO clip-higher, 0.28 recommended); null = `epsilon`. Default null. Not in TRL@`69ad852e`. */
  epsilon_high: number | null;
  /** Optimizer steps per generated batch (μ). With μ = 1 the ratio is identically 1. Default 1. Open-RS: 1. */
  num_iterations: number;
  /**
   * Loss aggregation. Default `bnpo` (= what TRL@`69ad852e` did: token mean over the micro-batch, ÷ GA; current
   * TRL defaults to `dapo`). Open-RS: bnpo (implicit). Faithful mode: bnpo only.
   */
  loss_type: LossType;
  /**
   * Advantage scaling: `group` divides by the group std + 1e-4, `batch` by the batch std + 1e-4, `none` does not
   * divide (Dr. GRPO). YAML `true`/`false` map to group/none as in TRL. Default `group`. Faithful mode: group only.
   */
  scale_rewards: ScaleRewards;

  // ---------------------------------------------------------------- rewards
  /** Reward registry keys (`accuracy`, `format`, `cosine`, ...). Default `[accuracy, format]` (open-r1@`5dcfae8`). Open-RS: `[format, cosine]`. */
  reward_funcs: string[];
  /** One weight per reward function; null = all 1. Default null. Open-RS: `[1.0, 2.0]`. */
  reward_weights: number[] | null;
  /** `faithful` (Open-RS semantics) or `fixed` (current TRL). Default `faithful`. */
  mode: GrpoMode;
  /**
   * Reward parameters, open-r1 `GRPOScriptArguments` names, passed to the rewards registry; null = the
   * reward's own default (src/rewards/params.ts). `cosine_min_value_wrong`: faithful 0.0 (open-rs script
   * default, what Open-RS ran), fixed −1.0. Open-RS: all cosine values at their script defaults.
   */
  cosine_min_value_wrong: number | null;
  /** Cosine reward for a wrong answer at full length; null = −0.5. Open-RS: −0.5. */
  cosine_max_value_wrong: number | null;
  /** Cosine reward for a correct answer at full length; null = 0.5. Open-RS: 0.5. */
  cosine_min_value_correct: number | null;
  /** Cosine reward for a correct answer at length 0; null = 1.0. Open-RS: 1.0. */
  cosine_max_value_correct: number | null;
  /** Cosine length scale (characters in faithful mode, tokens in fixed); null = 1000. Open-RS Exp 3: 3584 (README). */
  cosine_max_len: number | null;
  /** Repetition penalty n-gram size; null = 3. Not used by Open-RS. */
  repetition_n_grams: number | null;
  /** Most negative repetition penalty (≤ 0); null = −1.0. Not used by Open-RS. */
  repetition_max_penalty: number | null;
  /** DAPO soft-overlong L_max in tokens; null = `max_completion_length`. Not used by Open-RS. */
  max_completion_len: number | null;
  /** DAPO soft-overlong cache C in tokens; null = 4096. Not used by Open-RS. */
  soft_punish_cache: number | null;

  // ---------------------------------------------------------------- sample handling (not in TRL@69ad852e)
  /** Exclude completions that hit `max_completion_length` without EOS from the loss (current TRL). Default false. */
  mask_truncated_completions: boolean;
  /** Drop groups whose rewards all equal (zero advantage) from the loss: DAPO dynamic sampling, without resampling. Default false. */
  drop_zero_std_groups: boolean;

  // ---------------------------------------------------------------- rollout engine (not in TRL@69ad852e)
  /**
   * Where rollouts are sampled: `tfjs` (the policy's own replicas; the reference, bit-exact resume), `llama.cpp`
   * (in-process, weights rewritten after each optimizer step), or `servers` (a pool of OpenAI-compatible
   * servers: vLLM, SGLang, `open-rs serve`; weights reach them every `weight_sync_steps`). TRL: `use_vllm`. The
   * loss always uses log-probs the trainer recomputes. Default `tfjs`.
   */
  rollout_engine: RolloutEngineName;
  /** Base URLs of the `servers` engine's pool (round-robin), e.g. `["http://127.0.0.1:8000"]`. Default null. */
  rollout_servers: string[] | null;
  /** API key sent to the `servers` pool (as vLLM's `--api-key`). Default null. */
  rollout_api_key: string | null;
  /** Send the weights to a non-tfjs engine every this many optimizer steps. Default 1. */
  weight_sync_steps: number;

  // ---------------------------------------------------------------- run
  /** Seed for data order, sampling and init of anything random. Default 42 (HF). Open-RS: 42. */
  seed: number;
  /** Checkpoint every this many optimizer steps; 0 disables. Default 500 (HF). Open-RS: 50. */
  save_steps: number;
  /** Keep only the newest N checkpoints; null keeps all. Default null (HF). Open-RS: unset. */
  save_total_limit: number | null;
  /** Emit a `log` event (and a progress line) every N steps; metrics.jsonl always gets every step. Default 500 (HF). Open-RS: 1. */
  logging_steps: number;
  /** Write completions.jsonl (step, prompt, completion, rewards, advantage). Default false. Open-RS: true. */
  log_completions: boolean;
  /** Where metrics, completions and checkpoints go. Default `trainer_output`. Open-RS: `data/OpenRS-GRPO`. */
  output_dir: string;
  /**
   * A fresh run in an `output_dir` that holds another run's files (metrics, completions, checkpoints) is
   * refused unless this is true: then those files are deleted first (HF `TrainingArguments.overwrite_output_dir`).
   * Resuming never needs it. Default false.
   */
  overwrite_output_dir: boolean;
  /** Consecutive non-finite (NaN/Inf loss or gradient) steps tolerated before the run stops with an error. Default 3. */
  maxSkippedSteps: number;
}

/** Reward-parameter fields, forwarded to `resolveRewards` when not null (one list, owned by the rewards). */
export { REWARD_PARAM_KEYS } from "../rewards/params";

/** Defaults: TRL@`69ad852e` / HF `TrainingArguments` values, since `mode` defaults to `faithful`. */
export const GRPO_DEFAULTS: Readonly<GrpoConfig> = Object.freeze({
  model_name_or_path: null,
  model_revision: "main",
  dataset_name: null,
  dataset_train_split: "train",
  dataset_prompt_column: "problem",
  system_prompt: null,
  learning_rate: 1e-6,
  lr_scheduler_type: "linear",
  lr_scheduler_kwargs: Object.freeze({}),
  warmup_ratio: 0,
  warmup_steps: 0,
  max_steps: -1,
  num_train_epochs: 3,
  weight_decay: 0,
  adam_beta1: 0.9,
  adam_beta2: 0.999,
  adam_epsilon: 1e-8,
  max_grad_norm: 1.0,
  per_device_train_batch_size: 8,
  gradient_accumulation_steps: 1,
  num_generations: 8,
  num_processes: 1,
  max_prompt_length: 512,
  max_completion_length: 256,
  temperature: 0.9,
  top_p: 1,
  beta: 0.04,
  epsilon: 0.2,
  epsilon_high: null,
  num_iterations: 1,
  loss_type: "bnpo",
  scale_rewards: "group",
  reward_funcs: Object.freeze(["accuracy", "format"]) as unknown as string[],
  reward_weights: null,
  mode: "faithful",
  cosine_min_value_wrong: null,
  cosine_max_value_wrong: null,
  cosine_min_value_correct: null,
  cosine_max_value_correct: null,
  cosine_max_len: null,
  repetition_n_grams: null,
  repetition_max_penalty: null,
  max_completion_len: null,
  soft_punish_cache: null,
  mask_truncated_completions: false,
  drop_zero_std_groups: false,
  rollout_engine: "tfjs",
  rollout_servers: null,
  rollout_api_key: null,
  weight_sync_steps: 1,
  seed: 42,
  save_steps: 500,
  save_total_limit: null,
  logging_steps: 500,
  log_completions: false,
  output_dir: "trainer_output",
  overwrite_output_dir: false,
  maxSkippedSteps: 3,
}) as Readonly<GrpoConfig>;

/**
 * Keys that Open-RS / TRL recipes carry but that have no effect here (the GPU stack, the Hub, W&B, eval
 * settings). They are accepted with one warning each instead of failing the load; prefixes end with `*`.
 */
export const IGNORED_KEYS: Readonly<Record<string, string>> = Object.freeze({
  "vllm_*": "generation runs in-process on tfjs (no vLLM)",
  use_vllm: "generation runs in-process on tfjs (no vLLM)",
  "hub_*": "no Hugging Face Hub upload; checkpoints stay in output_dir",
  push_to_hub: "no Hugging Face Hub upload; checkpoints stay in output_dir",
  report_to: "metrics go to output_dir/metrics.jsonl (and the run handle), not W&B/TensorBoard",
  bf16: "training runs in float32 on tfjs",
  fp16: "training runs in float32 on tfjs",
  torch_dtype: "weights are float32 on tfjs",
  attn_implementation: "the tfjs engine has one attention implementation",
  gradient_checkpointing: "no activation checkpointing on tfjs; micro-batch instead",
  gradient_checkpointing_kwargs: "no activation checkpointing on tfjs",
  use_liger_kernel: "no Liger kernels on tfjs",
  do_eval: "evaluation is a separate command (src/eval)",
  eval_strategy: "evaluation is a separate command (src/eval)",
  per_device_eval_batch_size: "evaluation is a separate command (src/eval)",
  log_level: "the library does not log to the console",
  logging_first_step: "metrics.jsonl records every step",
  logging_strategy: "metrics.jsonl records every step",
  save_strategy: "checkpoints are written every save_steps",
  "ddp_*": "one process; num_processes emulates the data-parallel batch",
  dataset_configs: "datasets are read from local JSONL/parquet",
});

/**
 * The GRPO training config, declared once as a table: each field's kind, allowed values, default and doc; the
 * `GrpoConfig` type, `GRPO_DEFAULTS` and the type checks derive from it (src/config/schema.ts). Field names mirror
 * TRL's `GRPOConfig` / HF `TrainingArguments` / open-r1 `GRPOScriptArguments` (snake_case) so that Open-RS's
 * `recipes/grpo.yaml` loads verbatim. Every doc says the meaning, our default, the TRL@`69ad852e` default where it
 * differs, and the value Open-RS used (`recipes/grpo.yaml` @ open-rs `2889c47`).
 *
 * Validation and YAML loading live in `config-resolve.ts`.
 */
import { type ConfigOf, defaultsOf, type Schema } from "../config/schema";
import { LR_SCHEDULER_TYPES, type LrSchedulerKwargs } from "../optim/schedule";

export type { LrSchedulerType } from "../optim/schedule";

/**
 * How per-token losses are reduced to one scalar (current TRL `loss_type`; the formulas are in
 * docs/references.md, "GRPO loss aggregation").
 */
export const LOSS_TYPES = ["grpo", "bnpo", "dr_grpo", "dapo"] as const;
export type LossType = (typeof LOSS_TYPES)[number];
/** Which std divides the centred reward (current TRL `scale_rewards`). */
export const SCALE_REWARDS = ["group", "batch", "none"] as const;
export type ScaleRewards = (typeof SCALE_REWARDS)[number];
/**
 * `faithful`: exactly what Open-RS ran (TRL@`69ad852e`, open-r1@`5dcfae8` reward semantics).
 * `fixed`: current TRL semantics (nansum of `null` rewards, loss_type / scale_rewards / clip-higher options).
 */
export const GRPO_MODES = ["faithful", "fixed"] as const;
export type GrpoMode = (typeof GRPO_MODES)[number];
/** Rollout engines (see the `rollout_engine` field). */
export const ROLLOUT_ENGINES = ["tfjs", "llama.cpp", "servers"] as const;
export type RolloutEngineName = (typeof ROLLOUT_ENGINES)[number];

/** Every GRPO config field. Defaults are TRL@`69ad852e` / HF `TrainingArguments` values (`mode` defaults to `faithful`). */
export const GRPO_SCHEMA = {
  // ---------------------------------------------------------------- model and data
  model_name_or_path: {
    kind: "string?",
    default: null,
    doc: "HF model id or local directory. Default null (the caller passes a model). Open-RS: `deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B`.",
  },
  model_revision: {
    kind: "string",
    default: "main",
    doc: "Model revision (branch, tag or commit). Default `main`. Open-RS: `main`.",
  },
  dataset_name: {
    kind: "string?",
    default: null,
    doc: "Dataset id or local path. Default null (the caller passes rows). Open-RS: `knoveleng/open-rs`.",
  },
  dataset_train_split: {
    kind: "string",
    default: "train",
    doc: "Dataset split used for training. Default `train`. Open-RS: `train`.",
  },
  dataset_prompt_column: {
    kind: "string",
    default: "problem",
    doc: "Column holding the problem text (open-r1@`5dcfae8` hard-codes `problem`). Default `problem`.",
  },
  system_prompt: {
    kind: "string?",
    default: null,
    doc: 'System message put before each problem (open-r1 `make_conversation`). Default null (no system message). Open-RS: the "A conversation between User and Assistant..." prompt with the literal `\\boxed{{}}`.',
  },
  // ---------------------------------------------------------------- optimisation
  learning_rate: {
    kind: "number",
    default: 1e-6,
    doc: "Peak AdamW learning rate. Default 1e-6 (TRL@`69ad852e` too). Open-RS: 1e-6.",
  },
  lr_scheduler_type: {
    kind: "enum",
    values: LR_SCHEDULER_TYPES,
    default: "linear",
    doc: "LR schedule after warmup. Default `linear` (HF). Open-RS: `cosine_with_min_lr`.",
  },
  lr_scheduler_kwargs: {
    kind: "object",
    default: {} as LrSchedulerKwargs,
    doc: "Extra schedule arguments (HF `lr_scheduler_kwargs`): `min_lr_rate` (floor as a fraction of the peak) or `min_lr` (absolute floor); one is required by `cosine_with_min_lr`. Default {}. Open-RS: `{min_lr_rate: 0.1}`.",
  },
  warmup_ratio: {
    kind: "number",
    default: 0,
    doc: "Fraction of `max_steps` spent in linear warmup, in [0, 1]. Default 0. Open-RS: 0.1 (50 of 500 steps).",
  },
  warmup_steps: {
    kind: "int",
    default: 0,
    doc: "Warmup steps; when > 0 it overrides `warmup_ratio` (HF rule). Default 0. Open-RS: unset.",
  },
  max_steps: {
    kind: "int",
    default: -1,
    doc: "Optimizer steps to run; -1 derives them from `num_train_epochs`. Default -1 (HF). Open-RS: 500.",
  },
  num_train_epochs: {
    kind: "number",
    default: 3,
    doc: "Passes over the dataset, used only when `max_steps` is -1. Default 3 (HF). Open-RS: 1.",
  },
  weight_decay: {
    kind: "number",
    default: 0,
    doc: "AdamW decoupled weight decay. Default 0 (HF). Open-RS: unset, so 0.",
  },
  adam_beta1: {
    kind: "number",
    default: 0.9,
    doc: "AdamW β1. Default 0.9 (HF). Open-RS: unset, so 0.9.",
  },
  adam_beta2: {
    kind: "number",
    default: 0.999,
    doc: "AdamW β2. Default 0.999 (HF). Open-RS: unset, so 0.999.",
  },
  adam_epsilon: {
    kind: "number",
    default: 1e-8,
    doc: "AdamW ε. Default 1e-8 (HF). Open-RS: unset, so 1e-8.",
  },
  max_grad_norm: {
    kind: "number",
    default: 1.0,
    doc: "Global gradient-norm clip; 0 disables. Default 1.0 (HF). Open-RS: unset, so 1.0.",
  },
  // ---------------------------------------------------------------- batching
  per_device_train_batch_size: {
    kind: "int",
    default: 8,
    doc: "Completions (not prompts) per micro-batch per process. Default 8 (HF). Open-RS: 6 (one group of G=6). In faithful mode the loss is a token mean over exactly this many completions.",
  },
  gradient_accumulation_steps: {
    kind: "int",
    default: 1,
    doc: "Micro-batches accumulated per optimizer step. Default 1 (HF). Open-RS: 4.",
  },
  num_generations: {
    kind: "int",
    default: 8,
    doc: "Completions sampled per prompt (G). Must be ≥ 2. Default 8 (TRL@`69ad852e` too). Open-RS: 6.",
  },
  num_processes: {
    kind: "int",
    default: 1,
    doc: "Data-parallel processes emulated on one device (`accelerate launch --num_processes`): the global batch is `per_device_train_batch_size × num_processes × gradient_accumulation_steps` completions. Default 1. Open-RS: 3 (so 72 completions = 12 prompts per step).",
  },
  // ---------------------------------------------------------------- generation
  max_prompt_length: {
    kind: "int",
    default: 512,
    doc: "Prompt tokens kept (left-truncated). Default 512 (TRL@`69ad852e` too). Open-RS: 512.",
  },
  max_completion_length: {
    kind: "int",
    default: 256,
    doc: "Maximum new tokens per completion. Default 256 (TRL@`69ad852e`; current TRL 512). Open-RS: 3584.",
  },
  temperature: {
    kind: "number",
    default: 0.9,
    doc: "Sampling temperature, > 0. Default 0.9 (TRL@`69ad852e`; current TRL 1.0). Open-RS: 0.7.",
  },
  top_p: {
    kind: "number",
    default: 1,
    doc: "Nucleus mass in (0, 1]. Default 1 (TRL@`69ad852e` has no top_p, i.e. 1). Open-RS: 1. Faithful mode: 1 only.",
  },
  // ---------------------------------------------------------------- policy loss
  beta: {
    kind: "number",
    default: 0.04,
    doc: "KL coefficient β (k3 estimator) against the frozen reference. Default 0.04 (TRL@`69ad852e`; current 0.0). Open-RS: unset, so 0.04.",
  },
  epsilon: {
    kind: "number",
    default: 0.2,
    doc: "Lower (and, unless `epsilon_high` is set, upper) clip range of the ratio. Default 0.2. Open-RS: unset, so 0.2.",
  },
  epsilon_high: {
    kind: "number?",
    default: null,
    doc: "Upper clip range (DAPO clip-higher, 0.28 recommended); null = `epsilon`. Default null. Not in TRL@`69ad852e`.",
  },
  num_iterations: {
    kind: "int",
    default: 1,
    doc: "Optimizer steps per generated batch (μ). With μ = 1 the ratio is identically 1. Default 1. Open-RS: 1.",
  },
  loss_type: {
    kind: "enum",
    values: LOSS_TYPES,
    default: "bnpo",
    doc: "Loss aggregation. Default `bnpo` (= what TRL@`69ad852e` did: token mean over the micro-batch, ÷ GA; current TRL defaults to `dapo`). Open-RS: bnpo (implicit). Faithful mode: bnpo only.",
  },
  scale_rewards: {
    kind: "enum",
    values: SCALE_REWARDS,
    default: "group",
    doc: "Advantage scaling: `group` divides by the group std + 1e-4, `batch` by the batch std + 1e-4, `none` does not divide (Dr. GRPO). YAML `true`/`false` map to group/none as in TRL. Default `group`. Faithful mode: group only.",
  },
  // ---------------------------------------------------------------- rewards
  reward_funcs: {
    kind: "strings",
    default: ["accuracy", "format"],
    doc: "Reward registry keys (`accuracy`, `format`, `cosine`, ...). Default `[accuracy, format]` (open-r1@`5dcfae8`). Open-RS: `[format, cosine]`.",
  },
  reward_weights: {
    kind: "numbers?",
    default: null,
    doc: "One weight per reward function; null = all 1. Default null. Open-RS: `[1.0, 2.0]`.",
  },
  mode: {
    kind: "enum",
    values: GRPO_MODES,
    default: "faithful",
    doc: "`faithful` (Open-RS semantics) or `fixed` (current TRL). Default `faithful`.",
  },
  cosine_min_value_wrong: {
    kind: "number?",
    default: null,
    doc: "Reward parameters, open-r1 `GRPOScriptArguments` names, passed to the rewards registry; null = the reward's own default (src/rewards/params.ts). `cosine_min_value_wrong`: faithful 0.0 (open-rs script default, what Open-RS ran), fixed −1.0. Open-RS: all cosine values at their script defaults.",
  },
  cosine_max_value_wrong: {
    kind: "number?",
    default: null,
    doc: "Cosine reward for a wrong answer at full length; null = −0.5. Open-RS: −0.5.",
  },
  cosine_min_value_correct: {
    kind: "number?",
    default: null,
    doc: "Cosine reward for a correct answer at full length; null = 0.5. Open-RS: 0.5.",
  },
  cosine_max_value_correct: {
    kind: "number?",
    default: null,
    doc: "Cosine reward for a correct answer at length 0; null = 1.0. Open-RS: 1.0.",
  },
  cosine_max_len: {
    kind: "number?",
    default: null,
    doc: "Cosine length scale (characters in faithful mode, tokens in fixed); null = 1000. Open-RS Exp 3: 3584 (README).",
  },
  repetition_n_grams: {
    kind: "number?",
    default: null,
    doc: "Repetition penalty n-gram size; null = 3. Not used by Open-RS.",
  },
  repetition_max_penalty: {
    kind: "number?",
    default: null,
    doc: "Most negative repetition penalty (≤ 0); null = −1.0. Not used by Open-RS.",
  },
  max_completion_len: {
    kind: "number?",
    default: null,
    doc: "DAPO soft-overlong L_max in tokens; null = `max_completion_length`. Not used by Open-RS.",
  },
  soft_punish_cache: {
    kind: "number?",
    default: null,
    doc: "DAPO soft-overlong cache C in tokens; null = 4096. Not used by Open-RS.",
  },
  // ---------------------------------------------------------------- sample handling (not in TRL@69ad852e)
  mask_truncated_completions: {
    kind: "bool",
    default: false,
    doc: "Exclude completions that hit `max_completion_length` without EOS from the loss (current TRL). Default false.",
  },
  drop_zero_std_groups: {
    kind: "bool",
    default: false,
    doc: "Drop groups whose rewards all equal (zero advantage) from the loss: DAPO dynamic sampling, without resampling. Default false.",
  },
  // ---------------------------------------------------------------- rollout engine (not in TRL@69ad852e)
  rollout_engine: {
    kind: "enum",
    values: ROLLOUT_ENGINES,
    default: "tfjs",
    doc: "Where rollouts are sampled: `tfjs` (the policy's own replicas; the reference, bit-exact resume), `llama.cpp` (in-process, weights rewritten after each optimizer step), or `servers` (a pool of OpenAI-compatible servers: vLLM, SGLang, `open-rs serve`; weights reach them every `weight_sync_steps`). TRL: `use_vllm`. The loss always uses log-probs the trainer recomputes. Default `tfjs`.",
  },
  rollout_servers: {
    kind: "strings?",
    default: null,
    doc: 'Base URLs of the `servers` engine\'s pool (round-robin), e.g. `["http://127.0.0.1:8000"]`. Default null.',
  },
  rollout_api_key: {
    kind: "string?",
    default: null,
    doc: "API key sent to the `servers` pool (as vLLM's `--api-key`). Default null.",
  },
  weight_sync_steps: {
    kind: "int",
    default: 1,
    doc: "Send the weights to a non-tfjs engine every this many optimizer steps. Default 1.",
  },
  rollout_logprobs: {
    kind: "bool?",
    default: null,
    doc: "Ask the rollout engine for the log-prob of each sampled token, for the `rollout/logp_diff_*` metrics (how far the engine is from the trainer). Free with tfjs; llama.cpp transfers the whole vocabulary per token for it (2.5× slower generation on tiny-r1). null (default): on, except llama.cpp with a vocabulary over 32,768.",
  },
  // ---------------------------------------------------------------- run
  seed: {
    kind: "int",
    default: 42,
    doc: "Seed for data order, sampling and init of anything random. Default 42 (HF). Open-RS: 42.",
  },
  save_steps: {
    kind: "int",
    default: 500,
    doc: "Checkpoint every this many optimizer steps; 0 disables. Default 500 (HF). Open-RS: 50.",
  },
  save_total_limit: {
    kind: "int?",
    default: null,
    doc: "Keep only the newest N checkpoints; null keeps all. Default null (HF). Open-RS: unset.",
  },
  logging_steps: {
    kind: "int",
    default: 500,
    doc: "Emit a `log` event (and a progress line) every N steps; metrics.jsonl always gets every step. Default 500 (HF). Open-RS: 1.",
  },
  log_completions: {
    kind: "bool",
    default: false,
    doc: "Write completions.jsonl (step, prompt, completion, rewards, advantage). Default false. Open-RS: true.",
  },
  output_dir: {
    kind: "string",
    default: "trainer_output",
    doc: "Where metrics, completions and checkpoints go. Default `trainer_output`. Open-RS: `data/OpenRS-GRPO`.",
  },
  overwrite_output_dir: {
    kind: "bool",
    default: false,
    doc: "A fresh run in an `output_dir` that holds another run's files (metrics, completions, checkpoints) is refused unless this is true: then those files are deleted first (HF `TrainingArguments.overwrite_output_dir`). Resuming never needs it. Default false.",
  },
  max_skipped_steps: {
    kind: "int",
    default: 3,
    doc: "Consecutive non-finite (NaN/Inf loss or gradient) steps tolerated before the run stops with an error. Default 3. (Was `maxSkippedSteps`, still read with a warning.)",
  },
} as const satisfies Schema;

/** A GRPO config: one value per field of {@link GRPO_SCHEMA}. */
export type GrpoConfig = ConfigOf<typeof GRPO_SCHEMA>;

/** Defaults: TRL@`69ad852e` / HF `TrainingArguments` values, since `mode` defaults to `faithful`. */
export const GRPO_DEFAULTS: Readonly<GrpoConfig> = defaultsOf(GRPO_SCHEMA);

/**
 * Fields a run may change while it trains (`run.update`) and on resume. `learning_rate` is the new peak: the
 * schedule's multiplier still applies; `reward_weights` reweights the same reward functions; `beta` > 0 needs a
 * run started with β > 0.
 */
export const LIVE_UPDATE_KEYS = [
  "learning_rate",
  "beta",
  "temperature",
  "top_p",
  "reward_weights",
  "max_completion_length",
] as const;

/** Reward-parameter fields, forwarded to `resolveRewards` when not null (one list, owned by the rewards). */
export { REWARD_PARAM_KEYS } from "../rewards/params";

/** Old names of renamed fields, still read (with a warning when a user writes them). */
export const RENAMED_KEYS: Readonly<Record<string, keyof GrpoConfig>> = Object.freeze({
  maxSkippedSteps: "max_skipped_steps",
});

/**
 * A config saved by an older version (a checkpoint's trainer_state.json) with renamed fields under their new
 * names, so that it compares key by key with a current config.
 */
export function upgradeSavedConfig(saved: GrpoConfig): GrpoConfig {
  const out: Record<string, unknown> = { ...saved };
  for (const [old, current] of Object.entries(RENAMED_KEYS)) {
    if (!Object.hasOwn(out, old)) continue;
    if (!Object.hasOwn(out, current)) out[current] = out[old];
    delete out[old];
  }
  return out as unknown as GrpoConfig;
}

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

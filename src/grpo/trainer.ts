/**
 * The GRPO loop, one optimizer step at a time, read top to bottom like nanoGPT's:
 * sample prompts → rollout (generate, score, advantages, old/ref log-probs) → policy update (micro-batches,
 * accumulation, clip, AdamW at the scheduled LR) → metrics.jsonl / completions.jsonl. The trainer only
 * coordinates: tensor work goes through a {@link PolicyCompute} (worker threads, or this thread for workers: 0).
 * `run.ts` drives it (steering, checkpoints); every entry point uses that run handle.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EpochSampler, type EpochSamplerState } from "../data/epoch-sampler";
import type { MathRow } from "../data/schema";
import { createRolloutEngine, type RolloutEngine } from "../engines/rollout-engine";
import type { CausalLM } from "../model/types";
import type { AdamWState } from "../optim/adamw";
import { learningRateAt } from "../optim/schedule";
import { resolveRewards, type WeightedReward } from "../rewards/index";
import type { GenerateResult } from "../sampler/types";
import { HfTokenizer } from "../tokenizer/tokenizer";
import type { TokenizerLike } from "../tokenizer/types";
import type { GrpoConfig } from "./config";
import { rewardParamsOf } from "./config-resolve";
import { rolloutMetrics, rolloutTokens, type StepMetrics, updateMetrics } from "./metrics";
import {
  adamOptions,
  type GenerateFn,
  type GenerationRequest,
  LocalPolicy,
  type PolicyCompute,
  type PolicyWeights,
} from "./policy";
import { renderPrompt } from "./prompts";
import { collectRollout, type Rollout } from "./rollout";
import { policyUpdate } from "./update";

/** What training needs besides the config. */
export interface TrainDeps {
  /** The policy, trained in place in this thread (workers: 0). Give this or `policy`. */
  model?: CausalLM;
  /** Where the policy computes (e.g. worker threads); the trainer disposes it. Give this or `model`. */
  policy?: PolicyCompute;
  tokenizer: TokenizerLike;
  /** Training rows; the prompt is `row[dataset_prompt_column]`. */
  dataset: readonly MathRow[];
  /** Weighted rewards; default `resolveRewards(reward_funcs, reward_weights, reward params)`. */
  rewards?: WeightedReward[];
  /** Frozen reference policy for β > 0 with `model`; default a copy of `model` taken at construction. */
  refModel?: CausalLM;
  /** The sampler, with `model` (tests inject fakes); default src/sampler `generate`. */
  generate?: GenerateFn;
  /** Tokenizer files to copy into each checkpoint's model directory. */
  tokenizerDir?: string;
  /** Where warnings go (a torn metrics line dropped on resume). Default console.warn. */
  warn?: (message: string) => void;
  /** Extra numbers merged into every step's metrics (e.g. time spent scoring in the control process). */
  extraMetrics?: () => Record<string, number>;
  /** A rollout engine to sample with; default: the one `rollout_engine` names (built at the first rollout). */
  engine?: RolloutEngine;
}

/** Everything a checkpoint holds: restoring it into a trainer built from the same inputs continues exactly. */
export interface TrainerState {
  step: number;
  config: GrpoConfig;
  sampler: EpochSamplerState;
  skips: number;
  numTokens: number;
  /** The rollout being reused while μ > 1. */
  buffer: Rollout | null;
  optimizer: AdamWState;
  weights: PolicyWeights;
}

/**
 * How far the sampler's log-probs of the sampled tokens are from the trainer's (same weights, before the
 * update): mean and max |Δ| over tokens where the sampler reported one. ~1e-6 for the tfjs engine (batch
 * padding), ~1e-3 for llama.cpp with an F16 KV cache; larger means the engine's weights are stale.
 */
export function logpMismatch(
  sampler: readonly number[][],
  trainer: readonly number[][],
): Record<string, number> {
  let sum = 0;
  let max = 0;
  let n = 0;
  sampler.forEach((row, i) => {
    row.forEach((samplerLogp, j) => {
      const diff = Math.abs(samplerLogp - (trainer[i]?.[j] ?? Number.NaN));
      if (!Number.isFinite(diff)) return;
      sum += diff;
      max = Math.max(max, diff);
      n++;
    });
  });
  return n === 0 ? {} : { "rollout/logp_diff_mean": sum / n, "rollout/logp_diff_max": max };
}

/** Optimizer steps a config asks for on a dataset of `rows` prompts. */
export function totalStepsFor(cfg: Readonly<GrpoConfig>, rows: number): number {
  if (cfg.max_steps > 0) return cfg.max_steps;
  const prompts = promptsPerRollout(cfg);
  return Math.max(1, Math.ceil((cfg.num_train_epochs * rows) / prompts)) * cfg.num_iterations;
}

/** Distinct prompts per rollout: the global batch of completions divided by G. */
export function promptsPerRollout(cfg: Readonly<GrpoConfig>): number {
  const global = cfg.per_device_train_batch_size * cfg.num_processes * cfg.gradient_accumulation_steps;
  return global / cfg.num_generations;
}

/** The trainer: owns the prompt order, the counters and the output files; the policy owns the tensors. */
export class GrpoTrainer {
  /** The live config (`run.update` replaces fields at step boundaries). */
  config: Readonly<GrpoConfig>;
  /** Optimizer steps completed. */
  step = 0;
  totalSteps: number;
  /** The in-process model (workers: 0), else null. */
  readonly model: CausalLM | null;
  readonly policy: PolicyCompute;
  /** The prompt order: a seeded permutation per epoch, `promptsPerRollout` prompts per rollout. */
  readonly sampler: EpochSampler;
  rewards: WeightedReward[];
  /** Whether a frozen reference exists (β > 0 at the start, or a given refModel). */
  readonly hasReference: boolean;
  /** Consecutive skipped (non-finite) steps. */
  skips = 0;
  /** Prompt + completion tokens seen (TRL `num_tokens`). */
  numTokens = 0;
  /** The rollout being reused while μ > 1. */
  buffer: Rollout | null = null;
  /** The rollout engine (null: the policy samples). */
  private engine: RolloutEngine | null;

  constructor(
    config: Readonly<GrpoConfig>,
    readonly deps: TrainDeps,
  ) {
    this.config = config;
    this.totalSteps = totalStepsFor(config, deps.dataset.length);
    this.hasReference = config.beta > 0 || deps.refModel !== undefined;
    if (deps.policy) {
      this.policy = deps.policy;
      this.model = null;
    } else if (deps.model) {
      this.model = deps.model;
      this.policy = new LocalPolicy(deps.model, {
        adam: adamOptions(config),
        reference: this.hasReference,
        refModel: deps.refModel,
        generate: deps.generate,
      });
    } else {
      throw new Error("GrpoTrainer: pass deps.model (in-process) or deps.policy");
    }
    this.sampler = new EpochSampler(deps.dataset.length, config.seed, "the training dataset");
    this.rewards = deps.rewards ?? this.resolveRewards(config);
    this.engine = deps.engine ?? null;
  }

  /** The engine rollouts sample with, built on first use from the policy's current weights (after a resume). */
  private async rolloutSampler(): Promise<(req: GenerationRequest) => Promise<GenerateResult>> {
    if (this.config.rollout_engine === "tfjs" && !this.engine) return (req) => this.policy.generate(req);
    if (!this.engine) {
      const tokenizer = this.deps.tokenizer;
      if (!(tokenizer instanceof HfTokenizer)) {
        throw new Error(
          `rollout_engine ${this.config.rollout_engine} needs an HfTokenizer (HfTokenizer.fromDir)`,
        );
      }
      this.engine = await createRolloutEngine(this.config, {
        weights: await this.policy.weights(),
        tokenizer,
        outputDir: this.outputDir,
        warn: this.deps.warn,
      });
    }
    const engine = this.engine;
    return (req) => engine.generate(req);
  }

  private resolveRewards(cfg: Readonly<GrpoConfig>): WeightedReward[] {
    return resolveRewards(cfg.reward_funcs, cfg.reward_weights ?? undefined, rewardParamsOf(cfg));
  }

  /** Swap in a new live config (validated by the caller); rebuilds what depends on it. */
  setConfig(next: Readonly<GrpoConfig>): void {
    if (next.beta > 0 && !this.hasReference) {
      throw new Error(
        "run.update: beta > 0 needs the reference model, which this run was started without (beta 0)",
      );
    }
    if (next.reward_weights !== this.config.reward_weights) {
      const w = next.reward_weights ?? this.rewards.map(() => 1);
      this.rewards = this.rewards.map((r, i) => ({ ...r, weight: w[i] }));
    }
    this.config = next;
    this.totalSteps = totalStepsFor(next, this.deps.dataset.length);
  }

  /** Where metrics, completions and checkpoints go. */
  get outputDir(): string {
    return this.config.output_dir;
  }

  /** One optimizer step; `updates` (live changes applied before it) are logged with its metrics. */
  async trainStep(updates?: Record<string, unknown>): Promise<StepMetrics> {
    const t0 = performance.now();
    const cfg = this.config;
    let fresh = false;
    if (this.buffer === null) {
      this.buffer = await this.newRollout();
      this.numTokens += rolloutTokens(this.buffer);
      fresh = true;
    }
    const rollout = this.buffer;
    const update = await policyUpdate(
      cfg,
      this.policy,
      rollout,
      learningRateAt(cfg, this.step, this.totalSteps),
      fresh,
    );
    this.skips = update.applied ? 0 : this.skips + 1;
    this.step += 1;
    let syncSeconds = 0;
    if (this.engine && update.applied && this.step % cfg.weight_sync_steps === 0) {
      syncSeconds = await this.engine.syncWeights(await this.policy.weights(), this.step);
    }
    if (this.step % cfg.num_iterations === 0) this.buffer = null;
    const metrics: StepMetrics = {
      step: this.step,
      epoch: this.sampler.epochProgress,
      ...rolloutMetrics(cfg, rollout),
      ...updateMetrics(cfg, update),
      learning_rate: learningRateAt(cfg, this.step, this.totalSteps),
      num_tokens: this.numTokens,
      step_time: (performance.now() - t0) / 1000,
      "perf/rollout_time": fresh ? rollout.seconds : 0,
      "perf/train_time": update.seconds,
      "perf/workers": this.policy.workers,
      ...(this.engine ? { "perf/sync_time": syncSeconds } : {}),
      ...(update.logp ? logpMismatch(rollout.samplerLogp, update.logp) : {}),
      ...this.deps.extraMetrics?.(),
      ...(updates ? { updates } : {}),
    };
    this.writeOutputs(metrics, rollout, fresh);
    if (!update.applied && this.skips >= cfg.max_skipped_steps) {
      throw new Error(
        `GRPO: ${this.skips} steps in a row had a NaN/Inf loss or gradient (last at step ${this.step}, loss ${update.loss}, grad_norm ${update.grad_norm}); lower learning_rate, check the rewards, or raise max_skipped_steps`,
      );
    }
    return metrics;
  }

  private async newRollout(): Promise<Rollout> {
    const cfg = this.config;
    const rows = this.sampler.next(promptsPerRollout(cfg)).map((i) => this.deps.dataset[i]);
    const prompts = rows.map((r) =>
      renderPrompt(r, this.deps.tokenizer, {
        systemPrompt: cfg.system_prompt,
        promptColumn: cfg.dataset_prompt_column,
        maxPromptLength: cfg.max_prompt_length,
      }),
    );
    const deps = {
      policy: this.policy,
      sample: await this.rolloutSampler(),
      tokenizer: this.deps.tokenizer,
      rewards: this.rewards,
      step: this.step,
    };
    return collectRollout(cfg, deps, rows, prompts);
  }

  private writeOutputs(metrics: StepMetrics, rollout: Rollout, fresh: boolean): void {
    mkdirSync(this.outputDir, { recursive: true });
    appendFileSync(join(this.outputDir, "metrics.jsonl"), `${JSON.stringify(metrics)}\n`);
    if (!this.config.log_completions || !fresh) return;
    const lines = rollout.completions.map((completion, i) => {
      const rewards = Object.fromEntries(rollout.rewards.map((f) => [f.name, f.values[i]]));
      return JSON.stringify({
        step: metrics.step,
        prompt: rollout.promptTexts[i],
        completion,
        ...rewards,
        advantage: rollout.advantages[i],
      });
    });
    appendFileSync(join(this.outputDir, "completions.jsonl"), `${lines.join("\n")}\n`);
  }

  /** The full state (reads the weights and the optimizer moments back from the policy). */
  async getState(): Promise<TrainerState> {
    return {
      step: this.step,
      config: { ...this.config },
      sampler: this.sampler.getState(),
      skips: this.skips,
      numTokens: this.numTokens,
      buffer: this.buffer,
      optimizer: await this.policy.optimizerState(),
      weights: await this.policy.weights(),
    };
  }

  /**
   * Restore a state from {@link getState} (the trainer was built from the same initial inputs). The live
   * config is left as it is: the caller decides which of the saved settings to keep (see run.ts).
   */
  async setState(state: TrainerState): Promise<void> {
    await this.policy.setWeights(state.weights);
    await this.policy.setOptimizerState(state.optimizer);
    this.sampler.setState(state.sampler);
    this.step = state.step;
    this.skips = state.skips;
    this.numTokens = state.numTokens;
    this.buffer = state.buffer;
  }

  /**
   * Drop metrics/completions lines past `step` (after resuming from an earlier checkpoint, or restarting a
   * run that was killed before its first checkpoint). A torn last line (a kill mid-write) is dropped with a
   * warning; a torn line elsewhere is an error naming the file and line.
   */
  truncateOutputs(step: number): void {
    const warn = this.deps.warn ?? ((m: string) => console.warn(m));
    for (const f of ["metrics.jsonl", "completions.jsonl"]) {
      const p = join(this.outputDir, f);
      if (!existsSync(p)) continue;
      const lines = readFileSync(p, "utf8").split("\n");
      const kept: string[] = [];
      lines.forEach((line, i) => {
        if (line.trim() === "") return;
        let row: { step?: unknown };
        try {
          row = JSON.parse(line) as { step?: unknown };
        } catch {
          const last = lines.slice(i + 1).every((l) => l.trim() === "");
          if (!last) throw new Error(`${p}:${i + 1}: not valid JSON; fix or delete that line to resume`);
          warn(`${p}:${i + 1}: dropped a torn last line (the run was killed while writing it)`);
          return;
        }
        if (typeof row.step === "number" && row.step <= step) kept.push(line);
      });
      writeFileSync(p, kept.length ? `${kept.join("\n")}\n` : "");
    }
  }

  /** Free the policy's optimizer state, the copies it made (not the caller's model) and the rollout engine. */
  async dispose(): Promise<void> {
    await this.engine?.dispose();
    await this.policy.dispose();
  }
}

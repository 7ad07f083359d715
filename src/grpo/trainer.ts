/**
 * The GRPO loop, one optimizer step at a time, read top to bottom like nanoGPT's:
 * sample prompts → rollout (generate, score, advantages, old/ref log-probs) → policy update (micro-batches,
 * accumulation, clip, AdamW at the scheduled LR) → metrics.jsonl / completions.jsonl → checkpoint.
 * `run.ts` drives it asynchronously for notebooks; the CLI drives it from a terminal.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { MathRow } from "../data/schema";
import type { CausalLM } from "../model/types";
import { resolveRewards, type WeightedReward } from "../rewards";
import { generate as sampleGenerate } from "../sampler/generate";
import type { TokenizerLike } from "../tokenizer/types";
import { Rng } from "../util/rng";
import type { GrpoConfig } from "./config";
import { rewardParamsOf } from "./config-resolve";
import { rolloutMetrics, rolloutTokens, type StepMetrics, updateMetrics } from "./metrics";
import { referenceCopy } from "./model-state";
import { AdamW } from "./optimizer";
import { PromptSampler, renderPrompt } from "./prompts";
import { collectRollout, type GenerateFn, type Rollout } from "./rollout";
import { learningRateAt } from "./schedule";
import { policyUpdate } from "./update";

/** What training needs besides the config. */
export interface TrainDeps {
  /** The policy; trained in place. */
  model: CausalLM;
  tokenizer: TokenizerLike;
  /** Training rows; the prompt is `row[dataset_prompt_column]`. */
  dataset: readonly MathRow[];
  /** Weighted rewards; default `resolveRewards(reward_funcs, reward_weights, reward params)`. */
  rewards?: WeightedReward[];
  /** Frozen reference policy for β > 0; default a copy of `model` taken at construction. */
  refModel?: CausalLM;
  /** The sampler; default src/sampler `generate`. */
  generate?: GenerateFn;
  /** Tokenizer files to copy into each checkpoint's model directory. */
  tokenizerDir?: string;
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

/** The trainer: owns the optimizer, RNGs, prompt order and the output files. */
export class GrpoTrainer {
  /** The live config (`run.update` replaces fields at step boundaries). */
  config: Readonly<GrpoConfig>;
  /** Optimizer steps completed. */
  step = 0;
  readonly totalSteps: number;
  readonly model: CausalLM;
  refModel: CausalLM | null;
  readonly optimizer: AdamW;
  readonly sampler: PromptSampler;
  readonly genRng: Rng;
  rewards: WeightedReward[];
  /** Consecutive skipped (non-finite) steps. */
  skips = 0;
  /** Prompt + completion tokens seen (TRL `num_tokens`). */
  numTokens = 0;
  /** The rollout being reused while μ > 1. */
  buffer: Rollout | null = null;
  private readonly ownsRef: boolean;
  private readonly generate: GenerateFn;

  constructor(
    config: Readonly<GrpoConfig>,
    readonly deps: TrainDeps,
  ) {
    this.config = config;
    this.model = deps.model;
    this.totalSteps = totalStepsFor(config, deps.dataset.length);
    this.ownsRef = config.beta > 0 && !deps.refModel;
    this.refModel = deps.refModel ?? (config.beta > 0 ? referenceCopy(deps.model) : null);
    this.optimizer = new AdamW(this.model.trainableVariables(), config);
    const master = new Rng(config.seed);
    this.sampler = new PromptSampler(deps.dataset.length, master.nextUint32());
    this.genRng = master.fork();
    this.rewards = deps.rewards ?? this.resolveRewards(config);
    this.generate = deps.generate ?? (sampleGenerate as unknown as GenerateFn);
  }

  private resolveRewards(c: Readonly<GrpoConfig>): WeightedReward[] {
    return resolveRewards(c.reward_funcs, c.reward_weights ?? undefined, rewardParamsOf(c));
  }

  /** Swap in a new live config (validated by the caller); rebuilds what depends on it. */
  setConfig(next: Readonly<GrpoConfig>): void {
    if (next.reward_weights !== this.config.reward_weights) {
      const w = next.reward_weights ?? this.rewards.map(() => 1);
      this.rewards = this.rewards.map((r, i) => ({ ...r, weight: w[i] }));
    }
    if (next.beta > 0 && !this.refModel) {
      throw new Error(
        "run.update: beta > 0 needs the reference model, which this run was started without (beta 0)",
      );
    }
    this.config = next;
  }

  /** Where metrics, completions and checkpoints go. */
  get outputDir(): string {
    return this.config.output_dir;
  }

  /** One optimizer step. `yieldFn` is awaited between micro-steps (the run handle passes setImmediate). */
  async trainStep(
    yieldFn: () => Promise<void> = async () => {},
    updates?: Record<string, unknown>,
  ): Promise<StepMetrics> {
    const t0 = performance.now();
    const cfg = this.config;
    let fresh = false;
    if (this.buffer === null) {
      this.buffer = await this.newRollout();
      this.numTokens += rolloutTokens(this.buffer);
      fresh = true;
    }
    const ro = this.buffer;
    await yieldFn();
    const u = await policyUpdate(
      cfg,
      this.model,
      this.optimizer,
      ro,
      learningRateAt(cfg, this.step, this.totalSteps),
      yieldFn,
    );
    this.skips = u.applied ? 0 : this.skips + 1;
    this.step += 1;
    if (this.step % cfg.num_iterations === 0) this.buffer = null;
    const metrics: StepMetrics = {
      step: this.step,
      epoch: this.sampler.epochProgress,
      ...rolloutMetrics(cfg, ro),
      ...updateMetrics(cfg, u),
      learning_rate: learningRateAt(cfg, this.step, this.totalSteps),
      num_tokens: this.numTokens,
      step_time: (performance.now() - t0) / 1000,
      "perf/rollout_time": fresh ? ro.seconds : 0,
      "perf/train_time": u.seconds,
      ...(updates ? { updates } : {}),
    };
    this.writeOutputs(metrics, ro, fresh);
    if (!u.applied && this.skips >= cfg.maxSkippedSteps) {
      throw new Error(
        `GRPO: ${this.skips} steps in a row had a NaN/Inf loss or gradient (last at step ${this.step}, loss ${u.loss}, grad_norm ${u.grad_norm}); lower learning_rate, check the rewards, or raise maxSkippedSteps`,
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
      model: this.model,
      refModel: this.refModel,
      tokenizer: this.deps.tokenizer,
      rewards: this.rewards,
      generate: this.generate,
      rng: this.genRng,
    };
    return collectRollout(cfg, deps, rows, prompts);
  }

  private writeOutputs(m: StepMetrics, ro: Rollout, fresh: boolean): void {
    mkdirSync(this.outputDir, { recursive: true });
    appendFileSync(join(this.outputDir, "metrics.jsonl"), `${JSON.stringify(m)}\n`);
    if (!this.config.log_completions || !fresh) return;
    const lines = ro.completions.map((c, i) => {
      const rewards = Object.fromEntries(ro.rewards.map((f) => [f.name, f.values[i]]));
      return JSON.stringify({
        step: m.step,
        prompt: ro.promptTexts[i],
        completion: c,
        ...rewards,
        advantage: ro.advantages[i],
      });
    });
    appendFileSync(join(this.outputDir, "completions.jsonl"), `${lines.join("\n")}\n`);
  }

  /** Drop metrics/completions lines past `step` (after resuming from an earlier checkpoint). */
  truncateOutputs(step: number): void {
    for (const f of ["metrics.jsonl", "completions.jsonl"]) {
      const p = join(this.outputDir, f);
      if (!existsSync(p)) continue;
      const kept = readFileSync(p, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "" && (JSON.parse(l) as { step: number }).step <= step);
      writeFileSync(p, kept.length ? `${kept.join("\n")}\n` : "");
    }
  }

  /** Free the optimizer state and the reference copy this trainer made (not the caller's models). */
  dispose(): void {
    this.optimizer.dispose();
    if (this.ownsRef) this.refModel?.dispose();
  }
}

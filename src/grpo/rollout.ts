/**
 * One rollout: repeat each prompt G times, sample, decode, score and weight the rewards, compute advantages
 * over the whole batch (TRL gathers before normalising), then the no-grad log-probs the loss needs:
 * π_old when μ > 1 and π_ref when β > 0. Plain arrays in and out; tensors stay inside the engine.
 */
import { explainOom } from "../backend/oom";
import type { MathRow } from "../data/schema";
import type { CausalLM } from "../model/types";
import { scoreRewards, type WeightedReward } from "../rewards";
import type { GenerateOptions, GenerateResult } from "../sampler/types";
import type { TokenizerLike } from "../tokenizer/types";
import type { Rng } from "../util/rng";
import { computeAdvantages, keepMask } from "./algos";
import type { GrpoConfig } from "./config";
import type { RenderedPrompt } from "./prompts";

/** What to change when a rollout or update runs out of memory (both micro-batch by per_device_train_batch_size). */
export const BATCH_MEMORY_HINT =
  "Lower per_device_train_batch_size (keep it a multiple of num_generations) and raise gradient_accumulation_steps to keep the same batch, or lower max_completion_length.";

/** The sampler's signature (src/sampler/generate.ts), injectable for tests. */
export type GenerateFn = (
  model: CausalLM,
  promptIds: number[][],
  opts: GenerateOptions,
) => Promise<GenerateResult>;

/** Everything one optimizer step (or μ of them) trains on; rows are completions, groups contiguous. */
export interface Rollout {
  rows: MathRow[];
  promptTexts: string[];
  promptIds: number[][];
  completionIds: number[][];
  completions: string[];
  truncated: boolean[];
  /** Per reward function, in config order: metric name, weight, one score (or null) per completion. */
  rewards: Array<{ name: string; weight: number; values: (number | null)[] }>;
  /** Weighted NaN-aware totals. */
  totals: number[];
  advantages: number[];
  /** 1 where the completion counts in the loss, 0 where masked (truncated / zero-std group). */
  keep: number[];
  /** Completions some verifier could not judge (rewards' diagnostic). */
  unverifiable: number;
  oldLogp: number[][] | null;
  refLogp: number[][] | null;
  /** Seconds spent sampling, scoring and computing no-grad log-probs. */
  seconds: number;
}

/** What {@link collectRollout} needs besides the config. */
export interface RolloutDeps {
  model: CausalLM;
  refModel: CausalLM | null;
  tokenizer: TokenizerLike;
  rewards: readonly WeightedReward[];
  generate: GenerateFn;
  rng: Rng;
}

/** Sample, score and prepare one rollout for `prompts` (one entry per dataset row, G completions each). */
export async function collectRollout(
  cfg: Readonly<GrpoConfig>,
  deps: RolloutDeps,
  rows: readonly MathRow[],
  prompts: readonly RenderedPrompt[],
): Promise<Rollout> {
  const t0 = performance.now();
  const G = cfg.num_generations;
  const rep = <T>(xs: readonly T[]) => xs.flatMap((x) => Array.from({ length: G }, () => x));
  const promptIds = rep(prompts.map((p) => p.ids));
  const promptTexts = rep(prompts.map((p) => p.text));
  const batchRows = rep(rows);
  const tok = deps.tokenizer;
  const gen = await deps
    .generate(deps.model, promptIds, {
      maxNewTokens: cfg.max_completion_length,
      temperature: cfg.temperature,
      topP: cfg.top_p,
      eosTokenIds: [tok.eosTokenId],
      padTokenId: tok.padTokenId,
      rng: deps.rng,
      microBatch: cfg.per_device_train_batch_size,
    })
    .catch((err: unknown) => {
      throw explainOom(
        err,
        `generation (micro-batches of ${cfg.per_device_train_batch_size} sequences, up to ${cfg.max_completion_length} new tokens)`,
        BATCH_MEMORY_HINT,
      );
    });
  const completions = gen.completionIds.map((ids) => tok.decode(ids, { skipSpecialTokens: true }));
  const scored = await scoreRewards(
    deps.rewards,
    completions,
    batchRows.map((r, i) => ({ ...r, prompt: promptTexts[i] })),
    {
      completionTokenCounts: gen.completionIds.map((c) => c.length),
      truncated: gen.truncated,
      maxCompletionLength: cfg.max_completion_length,
      mode: cfg.mode,
    },
  );
  const advantages = computeAdvantages(scored.totals, G, cfg.scale_rewards);
  const zeroKeep = cfg.drop_zero_std_groups ? keepMask(scored.totals, G) : scored.totals.map(() => 1);
  const keep = zeroKeep.map((k, i) => (cfg.mask_truncated_completions && gen.truncated[i] ? 0 : k));
  const microBatch = cfg.per_device_train_batch_size;
  const oldLogp =
    cfg.num_iterations > 1
      ? await deps.model.tokenLogProbs(promptIds, gen.completionIds, { microBatch })
      : null;
  const refLogp =
    cfg.beta > 0 && deps.refModel
      ? await deps.refModel.tokenLogProbs(promptIds, gen.completionIds, { microBatch })
      : null;
  return {
    rows: batchRows,
    promptTexts,
    promptIds,
    completionIds: gen.completionIds,
    completions,
    truncated: gen.truncated,
    rewards: scored.perFunction,
    totals: scored.totals,
    advantages,
    keep,
    unverifiable: scored.unverifiable,
    oldLogp,
    refLogp,
    seconds: (performance.now() - t0) / 1000,
  };
}

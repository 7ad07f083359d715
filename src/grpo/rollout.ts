/**
 * One rollout: repeat each prompt G times, sample, decode, score and weight the rewards, compute advantages
 * over the whole batch (TRL gathers before normalising), then the no-grad log-probs the loss needs:
 * π_old when μ > 1 and π_ref when β > 0. Plain arrays in and out; tensors stay inside the engine.
 */
import type { MathRow } from "../data/schema";
import { scoreRewards, type WeightedReward } from "../rewards/index";
import type { GenerateResult } from "../sampler/types";
import type { TokenizerLike } from "../tokenizer/types";
import { deriveSeed } from "../util/rng";
import { computeAdvantages, keepMask, microBatches } from "./algos";
import type { GrpoConfig } from "./config";
import type { GenerationRequest, PolicyCompute } from "./policy";
import type { RenderedPrompt } from "./prompts";

/** Everything one optimizer step (or μ of them) trains on; rows are completions, groups contiguous. */
export interface Rollout {
  rows: MathRow[];
  promptTexts: string[];
  promptIds: number[][];
  completionIds: number[][];
  completions: string[];
  truncated: boolean[];
  /** The sampler's log-prob of each completion token (NaN where it gave none), to compare with the trainer's. */
  samplerLogp: number[][];
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
  /** The trainer's policy: old/reference log-probs. */
  policy: PolicyCompute;
  /** Where completions are sampled: the policy itself, or a rollout engine (llama.cpp, servers). */
  sample: (req: GenerationRequest) => Promise<GenerateResult>;
  tokenizer: TokenizerLike;
  rewards: readonly WeightedReward[];
  /** The optimizer step this rollout is for (0-based: steps completed so far); enters every sample's seed. */
  step: number;
}

/**
 * The seed of completion `sample` of prompt `prompt` (its index in this step's batch) at `step`: each
 * completion samples from its own stream, so it does not depend on micro-batch size or worker count.
 */
export function completionSeed(seed: number, step: number, prompt: number, sample: number): number {
  return deriveSeed(seed, step, prompt, sample);
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
  const perCompletion = <T>(perPrompt: readonly T[]) =>
    perPrompt.flatMap((x) => Array.from({ length: G }, () => x));
  const promptIds = perCompletion(prompts.map((p) => p.ids));
  const promptTexts = perCompletion(prompts.map((p) => p.text));
  const batchRows = perCompletion(rows);
  const tok = deps.tokenizer;
  const seeds = prompts.flatMap((_, p) =>
    Array.from({ length: G }, (_, s) => completionSeed(cfg.seed, deps.step, p, s)),
  );
  const generated = await deps.sample({
    promptIds,
    seeds,
    groupSize: G,
    maxNewTokens: cfg.max_completion_length,
    temperature: cfg.temperature,
    topP: cfg.top_p,
    eosTokenIds: [tok.eosTokenId],
    padTokenId: tok.padTokenId,
    microBatch: cfg.per_device_train_batch_size,
  });
  const completions = generated.completionIds.map((ids) => tok.decode(ids, { skipSpecialTokens: true }));
  const scored = await scoreRewards(
    deps.rewards,
    completions,
    batchRows.map((r, i) => ({ ...r, prompt: promptTexts[i] })),
    {
      completionTokenCounts: generated.completionIds.map((c) => c.length),
      truncated: generated.truncated,
      maxCompletionLength: cfg.max_completion_length,
      mode: cfg.mode,
    },
  );
  const advantages = computeAdvantages(scored.totals, G, cfg.scale_rewards);
  const zeroKeep = cfg.drop_zero_std_groups ? keepMask(scored.totals, G) : scored.totals.map(() => 1);
  const keep = zeroKeep.map((k, i) => (cfg.mask_truncated_completions && generated.truncated[i] ? 0 : k));
  // No-grad log-probs on the update's own micro-batches, so they match the update's batching exactly.
  const batches = microBatches(promptIds.length, cfg.per_device_train_batch_size).map((rows) => ({
    promptIds: rows.map((i) => promptIds[i]),
    completionIds: rows.map((i) => generated.completionIds[i]),
  }));
  const oldLogp = cfg.num_iterations > 1 ? (await deps.policy.logProbs("policy", batches)).flat() : null;
  const refLogp = cfg.beta > 0 ? (await deps.policy.logProbs("reference", batches)).flat() : null;
  return {
    rows: batchRows,
    promptTexts,
    promptIds,
    completionIds: generated.completionIds,
    completions,
    truncated: generated.truncated,
    samplerLogp: generated.logprobs,
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

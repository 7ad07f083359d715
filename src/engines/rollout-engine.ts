/**
 * Rollout engines for GRPO: where completions are sampled when it is not the policy's own tfjs replicas. The
 * trainer asks an engine for token ids (with their log-probs where the engine gives them), recomputes the
 * log-probs the loss uses itself (as TRL does with vLLM), and hands the engine the new weights after optimizer
 * steps (`syncWeights`). Built from the run's config: `rollout_engine: llama.cpp | servers`.
 */
import type { GrpoConfig } from "../grpo/config";
import type { GenerationRequest, PolicyWeights } from "../grpo/policy";
import type { GenerateResult } from "../sampler/types";
import type { HfTokenizer } from "../tokenizer/tokenizer";

/** A sampler for rollouts outside the policy's replicas. */
export interface RolloutEngine {
  /** `llama.cpp` or `servers`, for metrics and errors. */
  readonly name: string;
  /** Completion ids, per-token log-probs (NaN where the engine gives none) and truncation flags, in row order. */
  generate(req: GenerationRequest): Promise<GenerateResult>;
  /** Bring the engine to the policy's weights after optimizer step `step`; resolves with the seconds spent. */
  syncWeights(weights: PolicyWeights, step: number): Promise<number>;
  dispose(): Promise<void>;
}

/** What an engine is built from besides the config. */
export interface RolloutEngineContext {
  /** The policy's initial weights (HF names and layout). */
  weights: PolicyWeights;
  tokenizer: HfTokenizer;
  /** Where the run writes (the servers engine saves the weights it sends there). */
  outputDir: string;
  warn?: (message: string) => void;
}

/** Build the engine a config names (`tfjs` has none: the policy samples). */
export async function createRolloutEngine(
  cfg: Readonly<GrpoConfig>,
  ctx: RolloutEngineContext,
): Promise<RolloutEngine> {
  if (cfg.rollout_engine === "llama.cpp") {
    const { LlamaRolloutEngine } = require("./llama-rollout") as typeof import("./llama-rollout");
    return LlamaRolloutEngine.create(ctx, cfg);
  }
  if (cfg.rollout_engine === "servers") {
    const { ServerPoolRolloutEngine } = require("./server-pool") as typeof import("./server-pool");
    return ServerPoolRolloutEngine.create(ctx, cfg);
  }
  throw new Error(`rollout_engine ${cfg.rollout_engine}: the policy samples itself; no engine to create`);
}

/**
 * The text-engine contract: prompt token ids in, completion token ids out (with log-probs where the engine
 * reports them), one seeded stream per sequence. Implemented by the tfjs engine (in this thread or in worker
 * threads, engine.ts) and used by the eval runners and `open-rs serve`.
 */
import type { TokenizerLike } from "../tokenizer/types";

/** Sampling settings of one generate call. */
export interface SamplingParams {
  /** Softmax temperature; 0 = greedy. */
  temperature: number;
  /** Nucleus mass; 1 disables. */
  topP: number;
  /** Maximum new tokens. */
  maxNewTokens: number;
}

/** Output of an engine for one prompt. */
export interface EngineOutput {
  /** Generated ids, up to and including the first EOS. */
  completionIds: number[];
  /** True when `maxNewTokens` was reached without EOS (or generation was aborted). */
  truncated: boolean;
  /** log π of each generated token under the model (temperature 1), when the engine reports them. */
  logprobs?: number[];
}

/** Per-call extras of {@link TextEngine.generate}. */
export interface GenerateCallOptions {
  /** Stop at the next decode step once aborted (unfinished sequences come back truncated). */
  signal?: AbortSignal;
  /** Streaming: called for every token as it is sampled (prompt index, token id, log-prob, top alternatives). */
  onToken?: (row: number, token: number, logprob: number, top?: Array<[number, number]>) => void;
  /** Let I/O in after every decode step (a server needs this to notice disconnects and answer /health). */
  yieldEachStep?: boolean;
  /** Most likely alternatives passed to `onToken` per step as `[id, log-prob]` (OpenAI `top_logprobs`). */
  topLogprobs?: number;
}

/**
 * A local model that turns token ids into token ids: what both the in-process runner and `open-rs serve`
 * drive, so that they produce the same tokens for the same prompt, settings and seed.
 */
export interface TextEngine {
  /** The tokenizer (chat template, encode, decode). */
  readonly tokenizer: TokenizerLike;
  /** Model name reported by `/v1/models` and used in the resume hash. */
  readonly label: string;
  /** Longest prompt + completion the model supports (config `max_position_embeddings`), if known. */
  readonly maxContext?: number;
  /**
   * Generates one batch; prompt i samples from its own stream seeded with `seeds[i]`, so a sequence's tokens
   * do not depend on the batch it shares.
   */
  generate(
    promptIds: number[][],
    params: SamplingParams,
    seeds: readonly number[],
    opts?: GenerateCallOptions,
  ): Promise<EngineOutput[]>;
}

/** EOS ids: the tokenizer's EOS plus every `eos_token_id` in the model config (a number or a list). */
export function eosTokenIds(tokenizer: TokenizerLike, config: Record<string, unknown>): number[] {
  const ids = new Set<number>([tokenizer.eosTokenId]);
  const fromConfig = config.eos_token_id;
  if (typeof fromConfig === "number") ids.add(fromConfig);
  if (Array.isArray(fromConfig)) for (const id of fromConfig) if (typeof id === "number") ids.add(id);
  return [...ids];
}

/** Renders the chat template (generation prompt on) and encodes it without adding special tokens again. */
export function encodeChat(
  tokenizer: TokenizerLike,
  messages: Parameters<TokenizerLike["applyChatTemplate"]>[0],
) {
  return tokenizer.encode(tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true }));
}

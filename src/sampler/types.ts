/** Options and results of the sampler (`generate`). */
import type { Rng } from "../util/rng";

export interface GenerateOptions {
  /** Maximum new tokens per sequence (TRL `max_completion_length`). */
  maxNewTokens: number;
  /** Softmax temperature; 0 means greedy. Default 1. */
  temperature?: number;
  /** Nucleus sampling mass; 1 disables. Default 1. */
  topP?: number;
  /** Keep only the k most likely tokens; 0 disables. Default 0. */
  topK?: number;
  /** Generation stops for a sequence once it emits any of these. */
  eosTokenIds: number[];
  /** Id used for left padding of prompts. */
  padTokenId: number;
  /**
   * One seed per prompt: sequence i samples from its own stream `new Rng(seeds[i])`, so its tokens do not
   * depend on which other sequences share its batch, micro-batch or worker.
   */
  seeds?: readonly number[];
  /** Without `seeds`: the per-sequence seeds are drawn from this stream, one `nextUint32()` per prompt in order. */
  rng?: Rng;
  /** Sequences decoded together; larger batches are split. Default: all at once. */
  microBatch?: number;
  /** Called after each decode step with the number of steps done (for progress bars). */
  onStep?: (step: number) => void;
  /**
   * Called for every sampled token, as it is sampled (streaming): prompt index, token id, its log-prob, and
   * with `topLogprobs` > 0 the most likely `[id, log-prob]` pairs at that step.
   */
  onToken?: (row: number, token: number, logprob: number, top?: Array<[number, number]>) => void;
  /**
   * Await a macrotask (`setImmediate`) after every decode step, so that a server's sockets, timers and abort
   * signals are handled during a long generation (tfjs reads resolve as microtasks, which never let I/O in).
   */
  yieldEachStep?: boolean;
  /** How many most likely alternatives `onToken` receives per step (OpenAI's `top_logprobs`). Default 0. */
  topLogprobs?: number;
  /**
   * Stops decoding at the next step once aborted: finished sequences are kept, unfinished ones end where they
   * are (marked truncated), and micro-batches not started yet come back empty.
   */
  signal?: AbortSignal;
}

export interface GenerateResult {
  /** Generated ids per sequence, up to and including the first EOS (TRL's completion_mask convention). */
  completionIds: number[][];
  /** log π of each sampled token under the sampling distribution's model (temperature 1, no top-p). */
  logprobs: number[][];
  /** True where the sequence hit `maxNewTokens` without EOS (or was cut by `signal`). */
  truncated: boolean[];
}

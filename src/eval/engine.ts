/**
 * `localEngine`: our tfjs model, tokenizer and sampler as a {@link TextEngine}, sampling in worker threads (a
 * notebook kernel stays free) or in this thread. The contract itself is in text-engine.ts.
 */
import { Qwen2ForCausalLM } from "../model/qwen2";
import type { CausalLM } from "../model/types";
import { generate as sampleGenerate } from "../sampler/generate";
import type { GenerateOptions, GenerateResult } from "../sampler/types";
import type { TokenizerLike } from "../tokenizer/types";
import { resolveWorkers } from "../workers/count";
import { WorkerEngine } from "../workers/generator";
import { eosTokenIds, type TextEngine } from "./text-engine";

export {
  type EngineOutput,
  encodeChat,
  eosTokenIds,
  type GenerateCallOptions,
  type SamplingParams,
  type TextEngine,
} from "./text-engine";

/** The sampler's entry point (`src/sampler` `generate`). */
export type GenerateFn<M extends CausalLM = CausalLM> = (
  model: M,
  promptIds: number[][],
  opts: GenerateOptions,
) => Promise<GenerateResult> | GenerateResult;

/** Options of {@link localEngine}. */
export interface LocalEngineOptions {
  /** Model label. */
  label: string;
  /** Sequences decoded together inside one generate call (bounds the wasm heap). Default: the whole batch. */
  microBatch?: number;
  /**
   * Worker threads that sample (each holds a copy of the model's weights as they are at the engine's first
   * call); 0 samples in this thread. Default: `OPEN_RS_WORKERS`, else the machine's cores. Workers need a
   * Qwen2ForCausalLM and the library's own sampler; other models and samplers run in this thread.
   */
  workers?: number;
}

/**
 * Wraps our tfjs model, tokenizer and sampler as a {@link TextEngine}: sampling in worker threads (a notebook
 * kernel stays free), or in this thread with `workers: 0`.
 */
export function localEngine<M extends CausalLM>(
  model: M,
  tokenizer: TokenizerLike,
  generate: GenerateFn<M>,
  opts: LocalEngineOptions,
): TextEngine {
  const workers = resolveWorkers(opts.workers);
  if (workers > 0 && model instanceof Qwen2ForCausalLM && (generate as unknown) === sampleGenerate) {
    model.assertLive();
    return new WorkerEngine(model, tokenizer, opts.label, { workers, microBatch: opts.microBatch });
  }
  return threadEngine(model, tokenizer, generate, opts);
}

/** The in-thread engine: our sampler on the model, here. */
function threadEngine<M extends CausalLM>(
  model: M,
  tokenizer: TokenizerLike,
  generate: GenerateFn<M>,
  opts: LocalEngineOptions,
): TextEngine {
  const eos = eosTokenIds(tokenizer, model.config);
  const maxPos = model.config.max_position_embeddings;
  return {
    tokenizer,
    label: opts.label,
    maxContext: typeof maxPos === "number" ? maxPos : undefined,
    async generate(promptIds, params, seeds, call = {}) {
      const res = await generate(model, promptIds, {
        maxNewTokens: params.maxNewTokens,
        temperature: params.temperature,
        topP: params.topP,
        eosTokenIds: eos,
        padTokenId: tokenizer.padTokenId,
        seeds,
        microBatch: opts.microBatch,
        signal: call.signal,
        onToken: call.onToken,
        topLogprobs: call.topLogprobs,
        yieldEachStep: call.yieldEachStep,
      });
      return res.completionIds.map((ids, i) => ({
        completionIds: ids,
        truncated: res.truncated[i],
        logprobs: res.logprobs[i],
      }));
    },
  };
}

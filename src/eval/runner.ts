/** The runner contract: what an eval asks of a sampler (one request per sample) and what it gets back. */
import type { ChatMessage } from "../tokenizer/types";
import type { SamplingParams } from "./engine";

/** One sample to draw. */
export interface SampleRequest {
  /** Resume key (`sampleKey`). */
  key: string;
  /** Benchmark name. */
  benchmark: string;
  /** Problem id. */
  problemId: string;
  /** Sample index within the problem. */
  sampleIndex: number;
  /** Seed of this sample (`sampleSeed`). */
  seed: number;
  /** Chat messages (the lighteval prompt as the single user turn). */
  messages: ChatMessage[];
}

/** What a runner returns for one sample. */
export interface SampleOutput {
  /** Generated text, special tokens removed. */
  text: string;
  /** `stop` (EOS or a stop string) or `length`. */
  finishReason: string;
  /** Completion length in tokens, when known. */
  completionTokens?: number;
}

/** Called as each sample completes; the runner awaits it (so the record is on disk before moving on). */
export type OnSample = (req: SampleRequest, out: SampleOutput) => Promise<void>;

/** Something that turns prompts into completions: our model in-process, or an OpenAI-compatible server. */
export interface Runner {
  /** `in-process` or `http`; stored in every record. */
  readonly name: string;
  /** Draws every request, calling `onSample` as each finishes. Stops taking new work once `signal` aborts. */
  run(
    requests: SampleRequest[],
    params: SamplingParams,
    onSample: OnSample,
    signal?: AbortSignal,
  ): Promise<void>;
}

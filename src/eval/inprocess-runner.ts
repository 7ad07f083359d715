import { encodeChat, type SamplingParams, type TextEngine } from "./engine";
import type { OnSample, Runner, SampleRequest } from "./runner";

/** Options of {@link InProcessRunner}. */
export interface InProcessRunnerOptions {
  /** Prompts per generate call. Default 8. The engine's `microBatch` bounds what is decoded at once. */
  batchSize?: number;
}

/**
 * Runs the eval on a local engine, `batchSize` prompts per generate call. Every sample draws from its own
 * stream seeded with its request's seed, so its tokens do not depend on which samples share its batch.
 */
export class InProcessRunner implements Runner {
  readonly name = "in-process";
  private readonly batchSize: number;

  constructor(
    private readonly engine: TextEngine,
    opts: InProcessRunnerOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 8;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new Error(`InProcessRunner: batchSize must be a positive integer, got ${opts.batchSize}`);
    }
  }

  async run(requests: SampleRequest[], params: SamplingParams, onSample: OnSample, signal?: AbortSignal) {
    const tok = this.engine.tokenizer;
    for (let start = 0; start < requests.length; start += this.batchSize) {
      if (signal?.aborted) return;
      const batch = requests.slice(start, start + this.batchSize);
      const prompts = batch.map((r) => encodeChat(tok, r.messages));
      const outs = await this.engine.generate(
        prompts,
        params,
        batch.map((r) => r.seed),
        { signal },
      );
      for (let i = 0; i < batch.length; i++) {
        const ids = outs[i].completionIds;
        await onSample(batch[i], {
          text: tok.decode(ids),
          finishReason: outs[i].truncated ? "length" : "stop",
          completionTokens: ids.length,
        });
      }
    }
  }
}

/** The in-process eval runner: our own engine (in this thread or its worker threads), batch by batch. */
import { encodeChat, type SamplingParams, type TextEngine } from "./engine";
import type { OnSample, Runner, SampleRequest } from "./runner";

/** Options of {@link InProcessRunner}. */
export interface InProcessRunnerOptions {
  /** Prompts per generate call. Default 8. The engine's `microBatch` bounds what is decoded at once. */
  batchSize?: number;
}

/**
 * Runs the eval on a local engine, `batchSize` prompts per generate call, drawing the next batch while the
 * last one is scored. Every sample draws from its own stream seeded with its request's seed, so its tokens do
 * not depend on which samples share its batch.
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
    const batches: SampleRequest[][] = [];
    for (let s = 0; s < requests.length; s += this.batchSize)
      batches.push(requests.slice(s, s + this.batchSize));
    const draw = (batch: SampleRequest[]) =>
      this.engine.generate(
        batch.map((r) => encodeChat(tok, r.messages)),
        params,
        batch.map((r) => r.seed),
        { signal },
      );
    // The next batch is drawn while this one is scored (the engine may sample in worker threads).
    let next = batches.length > 0 && !signal?.aborted ? draw(batches[0]) : null;
    for (let b = 0; b < batches.length && next; b++) {
      if (signal?.aborted) break; // a batch drawn ahead is dropped: a stopped eval takes no new samples
      const outs = await next;
      if (signal?.aborted) break; // stopped while this batch was drawn: its sequences may be cut short
      next = b + 1 < batches.length && !signal?.aborted ? draw(batches[b + 1]) : null;
      next?.catch(() => {}); // its error surfaces when awaited
      const batch = batches[b];
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

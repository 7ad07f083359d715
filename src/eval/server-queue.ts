import type { EngineOutput, SamplingParams, TextEngine } from "./engine";

interface Job {
  ids: number[];
  params: SamplingParams;
  seed: number;
  key: string;
  resolve: (o: EngineOutput) => void;
  reject: (e: Error) => void;
}

/** Sampling fields of a request, as the queue reads them. */
export interface JobSettings {
  temperature: number;
  topP: number;
  maxTokens: number;
}

/**
 * Queues single sequences and runs them on the one model in batches. Sequences share a batch when their
 * settings match; each samples from its own seeded stream, so a seeded request gives the same tokens however
 * the traffic around it looks.
 */
export class BatchQueue {
  private jobs: Job[] = [];
  private running = false;
  private scheduled = false;
  /** Called with the size of each batch started. */
  onBatch?: (size: number) => void;

  constructor(
    private readonly engine: TextEngine,
    private readonly opts: { maxBatch: number; windowMs: number },
  ) {}

  /** Enqueues one sequence; resolves with its output. */
  submit(ids: number[], s: JobSettings, seed?: number): Promise<EngineOutput> {
    const params = { temperature: s.temperature, topP: s.topP, maxNewTokens: s.maxTokens };
    const seeded = seed ?? Math.floor(Math.random() * 0x7fffffff);
    const key = `${params.temperature}|${params.topP}|${params.maxNewTokens}`;
    return new Promise((resolve, reject) => {
      this.jobs.push({ ids, params, seed: seeded, key, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      void this.drain();
    }, this.opts.windowMs);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.jobs.length > 0) {
        const key = this.jobs[0].key;
        const batch: Job[] = [];
        const rest: Job[] = [];
        for (const j of this.jobs)
          (j.key === key && batch.length < this.opts.maxBatch ? batch : rest).push(j);
        this.jobs = rest;
        this.onBatch?.(batch.length);
        try {
          const outs = await this.engine.generate(
            batch.map((j) => j.ids),
            batch[0].params,
            batch.map((j) => j.seed),
          );
          for (let i = 0; i < batch.length; i++) batch[i].resolve(outs[i]);
        } catch (e) {
          for (const j of batch) j.reject(e as Error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

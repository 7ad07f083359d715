/**
 * The server's batching queue: single sequences from many requests, run on the one model in batches of equal
 * sampling settings, fairly across requests, with per-token streaming, cancellation and failure isolation.
 */
import type { EngineOutput, SamplingParams, TextEngine } from "./engine";

/** Sampling fields of a request, as the queue reads them. */
export interface JobSettings {
  temperature: number;
  topP: number;
  maxTokens: number;
}

/** Per-sequence hooks of {@link BatchQueue.submit}. */
export interface JobHooks {
  /** The request's group: batches are filled round-robin over groups, so one big request cannot starve others. */
  group?: object;
  /** Aborting drops the sequence from the queue, or ends its batch at the next step once no live row is left. */
  signal?: AbortSignal;
  /** Called for every token as it is sampled. */
  onToken?: (token: number, logprob: number, top?: Array<[number, number]>) => void;
  /** True once the sequence needs no more tokens (a stop string was hit); such rows count as finished. */
  done?: () => boolean;
  /** Alternatives per token wanted in `onToken` (OpenAI `top_logprobs`). */
  topLogprobs?: number;
}

interface Job extends JobHooks {
  ids: number[];
  params: SamplingParams;
  seed: number;
  key: string;
  streamed: boolean;
  resolve: (o: EngineOutput) => void;
  reject: (e: Error) => void;
}

/** Thrown for a sequence whose request was cancelled. */
export class Cancelled extends Error {
  constructor() {
    super("request cancelled");
  }
}

const nextMacrotask = () => new Promise<void>((r) => setImmediate(r));

/**
 * Queues single sequences and runs them on the one model in batches. Sequences share a batch when their
 * settings match; each samples from its own seeded stream, so a seeded request gives the same tokens however
 * the traffic around it looks. Between batches and between decode steps the queue lets I/O in, so new
 * requests, disconnects and `/health` are handled while the model works.
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

  /** Sequences waiting (not yet in a batch). */
  get pending(): number {
    return this.jobs.length;
  }

  /** Enqueues one sequence; resolves with its output, rejects with {@link Cancelled} when its signal aborts. */
  submit(ids: number[], s: JobSettings, seed: number, hooks: JobHooks = {}): Promise<EngineOutput> {
    const params = { temperature: s.temperature, topP: s.topP, maxNewTokens: s.maxTokens };
    const key = `${params.temperature}|${params.topP}|${params.maxNewTokens}`;
    return new Promise((resolve, reject) => {
      if (hooks.signal?.aborted) return reject(new Cancelled());
      const job: Job = { ...hooks, ids, params, seed, key, streamed: false, resolve, reject };
      this.jobs.push(job);
      hooks.signal?.addEventListener("abort", () => this.dropPending(job), { once: true });
      this.schedule();
    });
  }

  private dropPending(job: Job): void {
    const i = this.jobs.indexOf(job);
    if (i < 0) return;
    this.jobs.splice(i, 1);
    job.reject(new Cancelled());
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      void this.drain();
    }, this.opts.windowMs);
  }

  /** The next batch: the oldest job's settings, filled round-robin over request groups. */
  private takeBatch(): Job[] {
    const key = this.jobs[0].key;
    const groups = new Map<object | Job, Job[]>();
    for (const j of this.jobs) {
      if (j.key !== key) continue;
      const g = j.group ?? j;
      const list = groups.get(g);
      if (list) list.push(j);
      else groups.set(g, [j]);
    }
    const batch: Job[] = [];
    const lists = [...groups.values()];
    for (let round = 0; batch.length < this.opts.maxBatch; round++) {
      let any = false;
      for (const list of lists) {
        if (round < list.length && batch.length < this.opts.maxBatch) {
          batch.push(list[round]);
          any = true;
        }
      }
      if (!any) break;
    }
    const taken = new Set(batch);
    this.jobs = this.jobs.filter((j) => !taken.has(j));
    return batch;
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.jobs.length > 0) {
        const batch = this.takeBatch();
        this.onBatch?.(batch.length);
        await this.runBatch(batch);
        await nextMacrotask();
      }
    } finally {
      this.running = false;
    }
  }

  /** Runs one batch; when it fails, each sequence that has not streamed yet is retried alone. */
  private async runBatch(batch: Job[]): Promise<void> {
    try {
      const outs = await this.generate(batch);
      for (const [i, j] of batch.entries()) settle(j, outs[i]);
    } catch (e) {
      if (batch.length === 1) return settle(batch[0], e as Error);
      for (const j of batch) {
        if (j.streamed) settle(j, e as Error);
        else await this.runBatch([j]);
      }
    }
  }

  private async generate(batch: Job[]): Promise<EngineOutput[]> {
    const stop = new AbortController();
    const live = (j: Job) => !j.signal?.aborted && !j.done?.();
    const check = () => {
      if (!batch.some(live)) stop.abort();
    };
    for (const j of batch) j.signal?.addEventListener("abort", check);
    try {
      check();
      return await this.engine.generate(
        batch.map((j) => j.ids),
        batch[0].params,
        batch.map((j) => j.seed),
        {
          signal: stop.signal,
          yieldEachStep: true,
          topLogprobs: Math.max(0, ...batch.map((j) => j.topLogprobs ?? 0)),
          onToken: (row, token, logprob, top) => {
            const j = batch[row];
            if (!live(j)) return;
            j.streamed = true;
            j.onToken?.(token, logprob, top?.slice(0, j.topLogprobs ?? 0));
            if (!live(j)) check();
          },
        },
      );
    } finally {
      for (const j of batch) j.signal?.removeEventListener("abort", check);
    }
  }
}

function settle(j: Job, r: EngineOutput | Error): void {
  if (j.signal?.aborted) j.reject(new Cancelled());
  else if (r instanceof Error) j.reject(r);
  else j.resolve(r);
}

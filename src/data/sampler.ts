import { Rng } from "../util/rng";

/** Sampler layout, as TRL's `RepeatRandomSampler(data_source, mini_repeat_count, batch_size, repeat_count, seed)`. */
export interface RepeatSamplerOptions {
  seed: number;
  /** Consecutive copies of each index: G (`num_generations`) so a whole group lands together. Default 1. */
  mini_repeat_count?: number;
  /** Unique indices per chunk; the last incomplete chunk of an epoch is dropped (TRL). Default 1. */
  batch_size?: number;
  /** Times each chunk is replayed (TRL: `num_iterations × steps_per_generation` in later versions). Default 1. */
  repeat_count?: number;
}

/** Everything needed to continue exactly where a sampler stopped; JSON-serialisable for checkpoints. */
export interface SamplerState {
  numSamples: number;
  options: Required<RepeatSamplerOptions>;
  /** Completed epochs. */
  epoch: number;
  /** Position in the current epoch's index stream. */
  index: number;
  /** Rng state at the start of the current epoch (the permutation is re-derived from it). */
  epochRngState: number[];
}

/**
 * An endless, epoch-aware index stream with TRL's RepeatRandomSampler semantics: each epoch draws a fresh
 * permutation from one seeded generator, cuts it into chunks of `batch_size` (dropping the remainder), and
 * for each chunk yields, `repeat_count` times, every index `mini_repeat_count` times in a row. Example with
 * 7 samples, batch 3, mini 2, repeat 1 and permutation [2,4,3,1,0,6,5]: 2,2,4,4,3,3,1,1,0,0,6,6.
 * The permutation uses our sfc32 {@link Rng}, not torch.randperm, so orders differ from TRL's for a seed.
 */
export class RepeatRandomSampler {
  private readonly n: number;
  private readonly opts: Required<RepeatSamplerOptions>;
  private rng: Rng;
  private epochRngState: number[];
  private order: number[];
  private epoch = 0;
  private index = 0;

  constructor(numSamples: number, options: RepeatSamplerOptions) {
    const o = { mini_repeat_count: 1, batch_size: 1, repeat_count: 1, ...options };
    for (const k of ["mini_repeat_count", "batch_size", "repeat_count"] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 1)
        throw new Error(`RepeatRandomSampler: ${k} must be an integer ≥ 1, got ${o[k]}`);
    }
    if (!Number.isInteger(numSamples) || numSamples < o.batch_size) {
      throw new Error(
        `RepeatRandomSampler: need at least batch_size=${o.batch_size} samples, got ${numSamples}`,
      );
    }
    this.n = numSamples;
    this.opts = o;
    this.rng = new Rng(o.seed);
    this.epochRngState = this.rng.getState();
    this.order = this.buildEpoch();
  }

  /** Length of one epoch's stream: ⌊n / batch⌋ · batch · mini_repeat · repeat. */
  get epochLength(): number {
    return this.order.length;
  }

  /** The next index, and the epoch it belongs to. */
  next(): { index: number; epoch: number } {
    if (this.index >= this.order.length) {
      this.epoch++;
      this.index = 0;
      this.epochRngState = this.rng.getState();
      this.order = this.buildEpoch();
    }
    return { index: this.order[this.index++], epoch: this.epoch };
  }

  /** The next `k` indices. */
  take(k: number): number[] {
    return Array.from({ length: k }, () => this.next().index);
  }

  getState(): SamplerState {
    return {
      numSamples: this.n,
      options: { ...this.opts },
      epoch: this.epoch,
      index: this.index,
      epochRngState: [...this.epochRngState],
    };
  }

  /** Rebuild a sampler at a saved position; the stream continues identically. */
  static fromState(s: SamplerState): RepeatRandomSampler {
    const sampler = new RepeatRandomSampler(s.numSamples, s.options);
    sampler.rng = Rng.fromState(s.epochRngState);
    sampler.epochRngState = [...s.epochRngState];
    sampler.order = sampler.buildEpoch();
    sampler.epoch = s.epoch;
    if (!Number.isInteger(s.index) || s.index < 0 || s.index > sampler.order.length) {
      throw new Error(
        `RepeatRandomSampler.fromState: index ${s.index} outside epoch length ${sampler.order.length}`,
      );
    }
    sampler.index = s.index;
    return sampler;
  }

  private buildEpoch(): number[] {
    const { batch_size: b, mini_repeat_count: mini, repeat_count: rep } = this.opts;
    const perm = this.rng.shuffle(Array.from({ length: this.n }, (_, i) => i));
    const out: number[] = [];
    for (let start = 0; start + b <= perm.length; start += b) {
      const chunk = perm.slice(start, start + b);
      for (let r = 0; r < rep; r++) for (const idx of chunk) for (let m = 0; m < mini; m++) out.push(idx);
    }
    return out;
  }
}

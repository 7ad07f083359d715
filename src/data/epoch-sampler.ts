/**
 * The seeded per-epoch order over a dataset that GRPO (prompts) and SFT (examples) both draw from: each epoch is
 * a fresh permutation, consumed `n` indices at a time across epoch boundaries. Its state serialises for resume.
 */
import { Rng } from "../util/rng";

/** Serialisable state of an {@link EpochSampler} (a checkpoint's `sampler`). */
export interface EpochSamplerState {
  /** Epochs completed before the current one. */
  epoch: number;
  /** Next index into `order`. */
  position: number;
  /** The current epoch's permutation. */
  order: number[];
  /** The generator's state after drawing `order`. */
  rng: number[];
}

/**
 * An endless stream of dataset indices: every index once per epoch, in an order drawn from one seeded
 * generator (TRL's `RepeatRandomSampler` idea with our sfc32 {@link Rng}, so orders differ from torch's for a
 * seed). Repeating a prompt G times for its group is the caller's job (src/grpo/rollout.ts).
 */
export class EpochSampler {
  private readonly rng: Rng;
  private order: number[] = [];
  private position = 0;
  private completed = -1;

  /** `what` names the data in the error for an empty set (e.g. "the training dataset"). */
  constructor(
    readonly size: number,
    seed: number,
    what = "the dataset",
  ) {
    if (!(size > 0)) throw new Error(`${what} is empty; give it at least one row`);
    this.rng = new Rng(seed);
    this.newEpoch();
  }

  private newEpoch(): void {
    this.completed += 1;
    this.order = this.rng.shuffle(Array.from({ length: this.size }, (_, i) => i));
    this.position = 0;
  }

  /** The next `n` indices; an epoch boundary starts a new permutation (no index repeats within an epoch). */
  next(n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      if (this.position >= this.order.length) this.newEpoch();
      out.push(this.order[this.position++]);
    }
    return out;
  }

  /** Completed passes over the data (an epoch counts once an index past its end has been drawn). */
  get epoch(): number {
    return this.completed;
  }

  /** Epochs completed plus the fraction of the current one (HF's `epoch` metric). */
  get epochProgress(): number {
    return this.completed + this.position / this.size;
  }

  getState(): EpochSamplerState {
    return {
      epoch: this.completed,
      position: this.position,
      order: [...this.order],
      rng: this.rng.getState(),
    };
  }

  /** Continue exactly where {@link getState} was taken; the dataset must have the same size. */
  setState(s: EpochSamplerState): void {
    if (s.order.length !== this.size) {
      throw new Error(
        `sampler state: the checkpoint's order has ${s.order.length} rows, the dataset ${this.size}`,
      );
    }
    this.completed = s.epoch;
    this.position = s.position;
    this.order = [...s.order];
    this.rng.setState(s.rng);
  }
}

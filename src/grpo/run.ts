/**
 * The notebook-facing run handle. `train(config, deps)` returns at once; the loop runs in the background,
 * awaiting `setImmediate` between micro-steps so a tslab kernel stays responsive. Steering (`pause`, `resume`,
 * `stop`, `checkpoint`, `update`) takes effect at the next step boundary.
 *
 * @example
 * const run = train({ ...recipe, max_steps: 50 }, { model, tokenizer, dataset });
 * run.on("log", (m) => console.log(m.step, m.reward));
 * run.update({ temperature: 0.8 });
 * await run.done;
 */
import type { GrpoConfig } from "./config";
import { resolveGrpoConfig } from "./config-resolve";
import type { StepMetrics } from "./metrics";
import { resumeTrainer, saveTrainerCheckpoint } from "./resume";
import { GrpoTrainer, type TrainDeps } from "./trainer";

/**
 * Fields `run.update` may change mid-run. `learning_rate` is the new peak: the schedule's multiplier still
 * applies; `reward_weights` reweights the same reward functions; `beta` > 0 needs a run started with β > 0.
 */
export type LiveUpdate = Partial<
  Pick<
    GrpoConfig,
    "learning_rate" | "beta" | "temperature" | "top_p" | "reward_weights" | "max_completion_length"
  >
>;

/** Events and their payloads. */
export interface RunEvents {
  /** After every optimizer step. */
  step: StepMetrics;
  /** Every `logging_steps` steps (and the last). */
  log: StepMetrics;
  /** A checkpoint was written (path). */
  checkpoint: string;
  /** Training ended (finished or stopped). */
  done: RunSummary;
  /** Training failed; `run.done` rejects with the same error. */
  error: Error;
}

/** What `run.done` resolves to. */
export interface RunSummary {
  steps: number;
  stopped: boolean;
  lastCheckpoint: string | null;
}

/** Options of {@link train}. */
export interface TrainOptions {
  /** Resume from this checkpoint directory before the first step. */
  resumeFrom?: string;
}

type Listener<K extends keyof RunEvents> = (payload: RunEvents[K]) => void;
const tick = () => new Promise<void>((r) => setImmediate(r));

/** A running GRPO training. */
export class GrpoRun {
  /** Every step's metrics so far. */
  readonly metrics: StepMetrics[] = [];
  /** Resolves when training ends; rejects on error. */
  readonly done: Promise<RunSummary>;
  readonly trainer: GrpoTrainer;
  private listeners = new Map<keyof RunEvents, Array<(p: unknown) => void>>();
  private paused = false;
  private stopRequested = false;
  private checkpointRequested = false;
  private pending: LiveUpdate = {};
  private wake: (() => void) | null = null;
  private lastCheckpoint: string | null = null;

  constructor(config: Readonly<GrpoConfig>, deps: TrainDeps, opts: TrainOptions = {}) {
    this.trainer = new GrpoTrainer(config, deps);
    this.done = this.loop(opts);
    this.done.catch(() => {}); // errors reach users via `done` and the `error` event, never as unhandled
  }

  /** Subscribe to an event; returns an unsubscribe function. */
  on<K extends keyof RunEvents>(event: K, fn: Listener<K>): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(fn as (p: unknown) => void);
    this.listeners.set(event, list);
    return () =>
      this.listeners.set(
        event,
        (this.listeners.get(event) ?? []).filter((f) => f !== fn),
      );
  }

  private emit<K extends keyof RunEvents>(event: K, payload: RunEvents[K]): void {
    for (const fn of this.listeners.get(event) ?? []) fn(payload);
  }

  /** Optimizer steps completed. */
  get step(): number {
    return this.trainer.step;
  }

  /** Pause at the next step boundary. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  /** Stop at the next step boundary (the current step finishes); `done` resolves with `stopped: true`. */
  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  /** Write a checkpoint at the next step boundary; resolves with its path on the next `checkpoint` event. */
  checkpoint(): Promise<string> {
    this.checkpointRequested = true;
    this.wake?.();
    return new Promise((resolve) => {
      const off = this.on("checkpoint", (p) => {
        off();
        resolve(p);
      });
    });
  }

  /**
   * Change live settings from the next step on; validated now with the config's rules (throws on a bad value).
   * The step that first uses them carries them in its metrics record as `updates`.
   */
  update(patch: LiveUpdate): void {
    const merged = { ...this.trainer.config, ...this.pending, ...patch };
    resolveGrpoConfig(merged as unknown as Record<string, unknown>);
    this.pending = { ...this.pending, ...patch };
  }

  private async loop(opts: TrainOptions): Promise<RunSummary> {
    const t = this.trainer;
    try {
      if (opts.resumeFrom) await resumeTrainer(t, opts.resumeFrom);
      while (t.step < t.totalSteps && !this.stopRequested) {
        await this.boundary();
        if (this.stopRequested) break;
        const updates = this.applyPending();
        const m = await t.trainStep(tick, updates);
        this.metrics.push(m);
        this.emit("step", m);
        if (m.step % t.config.logging_steps === 0 || m.step === t.totalSteps) this.emit("log", m);
        const saveSteps = t.config.save_steps;
        if ((saveSteps > 0 && m.step % saveSteps === 0) || this.checkpointRequested) await this.save();
      }
      if (this.checkpointRequested) await this.save();
      const summary = { steps: t.step, stopped: this.stopRequested, lastCheckpoint: this.lastCheckpoint };
      this.emit("done", summary);
      return summary;
    } catch (err) {
      this.emit("error", err as Error);
      throw err;
    } finally {
      t.dispose();
    }
  }

  private async save(): Promise<void> {
    this.checkpointRequested = false;
    this.lastCheckpoint = await saveTrainerCheckpoint(this.trainer);
    this.emit("checkpoint", this.lastCheckpoint);
  }

  /** Wait while paused (but honour stop/checkpoint requests), then yield once. */
  private async boundary(): Promise<void> {
    while (this.paused && !this.stopRequested) {
      if (this.checkpointRequested) await this.save();
      await new Promise<void>((r) => {
        this.wake = r;
      });
      this.wake = null;
    }
    await tick();
  }

  private applyPending(): Record<string, unknown> | undefined {
    if (Object.keys(this.pending).length === 0) return undefined;
    const applied = this.pending;
    this.pending = {};
    const { config } = resolveGrpoConfig({ ...this.trainer.config, ...applied } as unknown as Record<
      string,
      unknown
    >);
    this.trainer.setConfig(config);
    return { ...applied };
  }
}

/**
 * Start GRPO training and return its handle immediately. `config` is a partial config (e.g. a parsed recipe),
 * validated here: a bad config throws synchronously, before anything runs.
 */
export function train(
  config: Record<string, unknown> | Readonly<GrpoConfig>,
  deps: TrainDeps,
  opts: TrainOptions = {},
): GrpoRun {
  const { config: resolved } = resolveGrpoConfig({ ...config } as Record<string, unknown>);
  return new GrpoRun(resolved, deps, opts);
}

/**
 * The run handle: steering a GRPO run while it trains. `GrpoRun` drives a {@link GrpoTrainer} in this process
 * (the loop every entry point uses; the trainer's tensor work happens in worker threads or, with workers: 0,
 * here); the notebook-facing `train()` (train.ts) returns a handle with the same API whose loop runs in a
 * worker process. Steering (`pause`, `resume`, `stop`, `checkpoint`, `update`) takes effect at the next step
 * boundary.
 *
 * @example
 * const run = train({ ...recipe, max_steps: 50 }, { model, tokenizer, dataset });
 * run.on("log", (m) => console.log(m.step, m.reward));
 * run.update({ temperature: 0.8 });
 * await run.done;
 */
import { Emitter } from "../control/events";
import { type Interruptible, JobPromise } from "../control/interrupt";
import { type GrpoConfig, LIVE_UPDATE_KEYS } from "./config";
import { resolveGrpoConfig } from "./config-resolve";
import type { StepMetrics } from "./metrics";
import { readTrainerCheckpoint, resumeConfig, saveTrainerCheckpoint } from "./resume";
import { GrpoTrainer, type TrainDeps } from "./trainer";

/** What `run.update` may change mid-run: the fields of {@link LIVE_UPDATE_KEYS}. */
export type LiveUpdate = Partial<Pick<GrpoConfig, (typeof LIVE_UPDATE_KEYS)[number]>>;

export { LIVE_UPDATE_KEYS };

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
  /** The run's status changed (starting → running ⇄ paused → stopping → finished / stopped / failed). */
  status: RunStatus;
}

/** What `run.done` resolves to. */
export interface RunSummary {
  steps: number;
  stopped: boolean;
  lastCheckpoint: string | null;
}

/** Where a run is in its life. */
export type RunStatus = "starting" | "running" | "paused" | "stopping" | "finished" | "stopped" | "failed";

/** Options of `train()`. */
export interface TrainOptions {
  /** Resume from this checkpoint directory before the first step. */
  resumeFrom?: string;
  /**
   * Continue the run whose files are in output_dir: from `resumeFrom` when given, else from the start (its
   * old metrics rows are dropped). Implied by `resumeFrom`.
   */
  resume?: boolean;
  /**
   * Worker threads that hold a model replica each (rollouts sharded by prompt group, updates by micro-batch).
   * 0 runs everything in the calling thread. Default: `OPEN_RS_WORKERS`, else the machine's cores.
   */
  workers?: number;
}

/** What a run handle offers, wherever its loop runs. */
export interface RunHandle extends Interruptible {
  /** Every step's metrics so far. */
  readonly metrics: StepMetrics[];
  /** Resolves when training ends; rejects on error. Awaiting it in a notebook cell is interruptible. */
  readonly done: Promise<RunSummary>;
  /** Optimizer steps completed. */
  readonly step: number;
  readonly totalSteps: number;
  /** The live config. */
  readonly config: Readonly<GrpoConfig>;
  readonly outputDir: string;
  readonly status: RunStatus;
  /** True until the run has finished, stopped or failed. */
  readonly active: boolean;
  /** Why the run failed, once it has. */
  readonly error: Error | null;
  /** Model replicas computing (0 = the run's own thread). */
  readonly workers: number;
  /** The live config, the planned steps and the step count (kept for older notebooks: `run.trainer.totalSteps`). */
  readonly trainer: {
    readonly config: Readonly<GrpoConfig>;
    readonly totalSteps: number;
    readonly step: number;
  };
  on<K extends keyof RunEvents>(event: K, fn: (payload: RunEvents[K]) => void): () => void;
  off<K extends keyof RunEvents>(event: K, fn: (payload: RunEvents[K]) => void): void;
  /** Change live settings from the next step on; throws now on a value the run cannot take. */
  update(patch: LiveUpdate): void;
  pause(): void;
  resume(): void;
  /** Stop at the next step boundary (the current step finishes); `done` resolves with `stopped: true`. */
  stop(): void;
  /** Write a checkpoint at the next step boundary; resolves with its path. */
  checkpoint(): Promise<string>;
}

/** What the run can do, for validating live updates. */
export interface RunCapabilities {
  hasReference: boolean;
  /** The model's `max_position_embeddings`, when known. */
  maxPositions?: number;
}

/**
 * Validate a live update against the config rules and what the running job can do; returns the merged
 * config. Throws one line naming the field, the value and why.
 */
export function checkLiveUpdate(
  current: Readonly<GrpoConfig>,
  patch: LiveUpdate,
  caps: RunCapabilities,
): Readonly<GrpoConfig> {
  for (const key of Object.keys(patch)) {
    if (!(LIVE_UPDATE_KEYS as readonly string[]).includes(key)) {
      throw new Error(
        `run.update: ${key} cannot change while a run trains; live settings are ${LIVE_UPDATE_KEYS.join(", ")}`,
      );
    }
  }
  const merged = resolveGrpoConfig({ ...current, ...patch } as unknown as Record<string, unknown>).config;
  if (merged.beta > 0 && !caps.hasReference) {
    throw new Error(
      `run.update: beta = ${merged.beta} needs a reference model, and this run was started with beta 0 (no reference copy); start a new run with beta > 0`,
    );
  }
  const total = merged.max_prompt_length + merged.max_completion_length;
  if (caps.maxPositions !== undefined && total > caps.maxPositions) {
    throw new Error(
      `run.update: max_completion_length = ${merged.max_completion_length} with max_prompt_length ${merged.max_prompt_length} exceeds the model's context (max_position_embeddings ${caps.maxPositions}); use at most ${caps.maxPositions - merged.max_prompt_length}`,
    );
  }
  return merged;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** The path of a run's next checkpoint, or its next error. */
export function nextCheckpoint(run: Pick<RunHandle, "on">): Promise<string> {
  return new Promise((resolve, reject) => {
    const offOk = run.on("checkpoint", (path) => {
      offOk();
      offErr();
      resolve(path);
    });
    const offErr = run.on("error", (err) => {
      offOk();
      offErr();
      reject(err);
    });
  });
}

/** Options of {@link GrpoRun} beyond {@link TrainOptions}. */
export interface GrpoRunOptions extends TrainOptions {
  /** The model's context, for validating live updates (default: the policy config's). */
  maxPositions?: number;
  /** Called once the run has ended (any status), after the trainer is disposed. */
  onEnd?: (status: RunStatus, error: Error | null) => void;
  /** Called after a successful end (finished or stopped), before `done`, while the policy still lives. */
  beforeEnd?: (trainer: GrpoTrainer) => Promise<void>;
  /** Awaited after each step's events, before the next step starts (a remote run waits for its controller). */
  afterStep?: (m: StepMetrics) => Promise<void>;
}

/** A GRPO run driven in this process (see the module comment). */
export class GrpoRun implements RunHandle {
  readonly kind = "run" as const;
  readonly metrics: StepMetrics[] = [];
  /** Settles when the run has ended (never rejects). */
  readonly ended: Promise<unknown>;
  readonly trainer: GrpoTrainer;
  private readonly settled: Promise<RunSummary>;
  private readonly events: Emitter<RunEvents>;
  private paused = false;
  private stopRequested = false;
  private checkpointRequested = false;
  private pending: Record<string, unknown> = {};
  private wake: (() => void) | null = null;
  private lastCheckpoint: string | null = null;
  private state: RunStatus = "starting";
  private failure: Error | null = null;

  constructor(
    config: Readonly<GrpoConfig>,
    deps: TrainDeps,
    private readonly opts: GrpoRunOptions = {},
  ) {
    this.events = new Emitter<RunEvents>(() => `run ${config.output_dir}`, deps.warn);
    this.trainer = new GrpoTrainer(config, deps);
    this.settled = this.loop();
    this.settled.catch(() => {}); // errors reach users via `done` and the `error` event, never as unhandled
    this.ended = this.settled.then(
      () => {},
      () => {},
    );
  }

  get label(): string {
    return this.outputDir;
  }

  get active(): boolean {
    return !["finished", "stopped", "failed"].includes(this.state);
  }

  get done(): Promise<RunSummary> {
    return new JobPromise(this.settled, this) as unknown as Promise<RunSummary>;
  }

  on<K extends keyof RunEvents>(event: K, fn: (payload: RunEvents[K]) => void): () => void {
    return this.events.on(event, fn);
  }

  off<K extends keyof RunEvents>(event: K, fn: (payload: RunEvents[K]) => void): void {
    this.events.off(event, fn);
  }

  get step(): number {
    return this.trainer.step;
  }

  get totalSteps(): number {
    return this.trainer.totalSteps;
  }

  get config(): Readonly<GrpoConfig> {
    return this.trainer.config;
  }

  get outputDir(): string {
    return this.trainer.outputDir;
  }

  get status(): RunStatus {
    return this.state;
  }

  private setStatus(next: RunStatus): void {
    if (next === this.state) return;
    this.state = next;
    this.events.emit("status", next);
  }

  get error(): Error | null {
    return this.failure;
  }

  get workers(): number {
    return this.trainer.policy.workers;
  }

  pause(): void {
    this.paused = true;
    if (this.state === "running") this.setStatus("paused");
  }

  resume(): void {
    this.paused = false;
    if (this.state === "paused") this.setStatus("running");
    this.wake?.();
  }

  stop(): void {
    this.stopRequested = true;
    if (!["finished", "stopped", "failed"].includes(this.state)) this.setStatus("stopping");
    this.wake?.();
  }

  checkpoint(): Promise<string> {
    this.checkpointRequested = true;
    this.wake?.();
    return nextCheckpoint(this);
  }

  interrupt(): string {
    const active = !["finished", "stopped", "failed"].includes(this.state);
    if (active) {
      void this.checkpoint().catch(() => {});
      this.stop();
    }
    return active
      ? `interrupted: run ${this.outputDir} checkpoints and stops after step ${this.step + 1}; the rest of this cell does not run`
      : `interrupted: run ${this.outputDir} had already ended (${this.state})`;
  }

  update(patch: LiveUpdate): void {
    const base = { ...this.trainer.config, ...this.pending } as GrpoConfig;
    checkLiveUpdate(base, patch, {
      hasReference: this.trainer.hasReference,
      maxPositions: this.opts.maxPositions ?? maxPositionsOf(this.trainer.policy.config),
    });
    this.pending = { ...this.pending, ...patch };
  }

  private async loop(): Promise<RunSummary> {
    const trainer = this.trainer;
    try {
      await this.restore();
      this.setStatus(this.paused ? "paused" : this.stopRequested ? "stopping" : "running");
      while (trainer.step < trainer.totalSteps && !this.stopRequested) {
        await this.boundary();
        if (this.stopRequested) break;
        const metrics = await trainer.trainStep(this.applyPending());
        this.metrics.push(metrics);
        this.events.emit("step", metrics);
        const last = metrics.step === trainer.totalSteps;
        if (metrics.step % trainer.config.logging_steps === 0 || last) this.events.emit("log", metrics);
        await this.opts.afterStep?.(metrics);
        const saveSteps = trainer.config.save_steps;
        if ((saveSteps > 0 && metrics.step % saveSteps === 0) || this.checkpointRequested) await this.save();
      }
      if (this.checkpointRequested) await this.save();
      const stopped = this.stopRequested && trainer.step < trainer.totalSteps;
      await this.opts.beforeEnd?.(trainer);
      this.setStatus(stopped ? "stopped" : "finished");
      const summary = { steps: trainer.step, stopped, lastCheckpoint: this.lastCheckpoint };
      this.events.emit("done", summary);
      return summary;
    } catch (err) {
      this.failure = err as Error;
      this.setStatus("failed");
      this.events.emit("error", err as Error);
      throw err;
    } finally {
      await trainer.dispose().catch(() => {});
      this.opts.onEnd?.(this.state, this.failure);
    }
  }

  /** Resume: the checkpoint's state and config, plus the overrides a resume may apply (logged with the next step). */
  private async restore(): Promise<void> {
    const trainer = this.trainer;
    if (this.opts.resumeFrom) {
      const saved = await readTrainerCheckpoint(this.opts.resumeFrom);
      const { config, changed } = resumeConfig(saved.config, trainer.config);
      await trainer.setState(saved);
      trainer.setConfig(config);
      trainer.truncateOutputs(saved.step);
      if (Object.keys(changed).length > 0) this.pending = { ...changed, ...this.pending };
    } else if (this.opts.resume) {
      trainer.truncateOutputs(0);
    }
  }

  private async save(): Promise<void> {
    this.checkpointRequested = false;
    this.lastCheckpoint = await saveTrainerCheckpoint(this.trainer);
    this.events.emit("checkpoint", this.lastCheckpoint);
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

/** `max_position_embeddings` of an HF config, when it is a number. */
export function maxPositionsOf(config: Record<string, unknown>): number | undefined {
  const v = config.max_position_embeddings;
  return typeof v === "number" ? v : undefined;
}

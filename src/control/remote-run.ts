/**
 * The control-process side of a run whose loop lives in a worker process (src/workers/host.ts): the same
 * handle API as an in-process run. Events and metrics arrive as messages; steering goes out as messages and is
 * validated here first, so a bad `update()` throws in the cell that made it. Rewards registered in this process
 * (notebook cells) are scored here on request. When the run ends, the trained weights are copied into the
 * model given to `train()`; when the worker process dies, `done` rejects with the cause.
 */
import type { MathRow } from "../data/schema";
import type { GrpoConfig } from "../grpo/config";
import { rewardParamsOf } from "../grpo/config-resolve";
import type { StepMetrics } from "../grpo/metrics";
import { assignHostTensors } from "../grpo/model-state";
import type { PolicyWeights } from "../grpo/policy";
import {
  checkLiveUpdate,
  type LiveUpdate,
  maxPositionsOf,
  nextCheckpoint,
  type RunEvents,
  type RunHandle,
  type RunStatus,
  type RunSummary,
} from "../grpo/run";
import type { RunDirClaim } from "../grpo/run-dir";
import { totalStepsFor } from "../grpo/trainer";
import type { CausalLM } from "../model/types";
import { resolveRewards, type WeightedReward } from "../rewards/index";
import { REWARD_REGISTRY } from "../rewards/registry";
import type { RewardDiagnostics } from "../rewards/types";
import type { TokenizerLike } from "../tokenizer/types";
import { describeExit, HostProcess } from "../workers/host-client";
import { errorData, errorFrom, type FromHost, type RewardPlan } from "../workers/protocol";
import { modelSpec, tokenizerSpec } from "../workers/specs";
import { Emitter } from "./events";
import { JobPromise } from "./interrupt";
import { registerJob } from "./registry";

/** What a remote run is given (the public `train()` inputs). */
export interface RemoteRunInput {
  model: CausalLM;
  tokenizer: TokenizerLike;
  dataset: readonly MathRow[];
  rewards?: WeightedReward[];
  refModel?: CausalLM;
  tokenizerDir?: string;
}

/** The rewards of a run: the plan for the worker process, and the functions scored here. */
function planRewards(
  config: Readonly<GrpoConfig>,
  given: WeightedReward[] | undefined,
): { plan: RewardPlan[]; local: WeightedReward[] } {
  if (given) {
    return {
      plan: given.map((r) => ({ key: r.key, name: r.name, weight: r.weight, remote: true })),
      local: given,
    };
  }
  const local = resolveRewards(
    config.reward_funcs,
    config.reward_weights ?? undefined,
    rewardParamsOf(config),
  );
  const plan = local.map((r) => ({
    key: r.key,
    name: r.name,
    weight: r.weight,
    remote: !Object.hasOwn(REWARD_REGISTRY, r.key),
  }));
  return { plan, local };
}

export class RemoteRun implements RunHandle {
  readonly kind = "run" as const;
  readonly metrics: StepMetrics[] = [];
  readonly ended: Promise<unknown>;
  private readonly settled: Promise<RunSummary>;
  private readonly events: Emitter<RunEvents>;
  private readonly host: HostProcess;
  private readonly localRewards: WeightedReward[];
  private readonly hasReference: boolean;
  private readonly maxPositions: number | undefined;
  private live: Readonly<GrpoConfig>;
  private pendingPatch: LiveUpdate = {};
  private planned: number;
  private steps = 0;
  private state: RunStatus = "starting";
  private failure: Error | null = null;
  private workerCount: number;

  constructor(
    config: Readonly<GrpoConfig>,
    private readonly input: RemoteRunInput,
    opts: { workers: number; backend?: string; resumeFrom?: string; resume?: boolean },
    private readonly claim: RunDirClaim,
  ) {
    this.live = config;
    this.workerCount = opts.workers;
    this.planned = totalStepsFor(config, input.dataset.length);
    this.hasReference = config.beta > 0 || input.refModel !== undefined;
    this.maxPositions = maxPositionsOf(input.model.config);
    this.events = new Emitter<RunEvents>(() => `run ${config.output_dir}`);
    const { plan, local } = planRewards(config, input.rewards);
    this.localRewards = local;
    const job = {
      config: { ...config },
      model: modelSpec(input.model),
      refModel: input.refModel ? modelSpec(input.refModel, "reference model") : undefined,
      tokenizer: tokenizerSpec(input.tokenizer),
      dataset: [...input.dataset],
      rewards: plan,
      tokenizerDir: input.tokenizerDir,
      workers: opts.workers,
      backend: opts.backend,
      resumeFrom: opts.resumeFrom,
      resume: opts.resume,
    };
    this.host = new HostProcess();
    this.settled = new Promise<RunSummary>((resolve, reject) => {
      this.host.onMessage((msg) => this.onMessage(msg, resolve, reject));
      void this.host.onExit().then((exit) => {
        if (!["finished", "stopped", "failed"].includes(this.state)) {
          this.fail(new Error(`run ${config.output_dir} failed: ${describeExit(exit)}`), reject);
        }
      });
    });
    this.settled.catch(() => {});
    this.ended = this.settled.then(
      () => {},
      () => {},
    );
    this.host.send({ type: "run", job });
    registerJob(this);
  }

  get label(): string {
    return this.live.output_dir;
  }

  get active(): boolean {
    return !["finished", "stopped", "failed"].includes(this.state);
  }

  get done(): Promise<RunSummary> {
    return new JobPromise(this.settled, this) as unknown as Promise<RunSummary>;
  }

  get step(): number {
    return this.steps;
  }

  get totalSteps(): number {
    return this.planned;
  }

  get config(): Readonly<GrpoConfig> {
    return this.live;
  }

  get outputDir(): string {
    return this.live.output_dir;
  }

  get status(): RunStatus {
    return this.state;
  }

  get error(): Error | null {
    return this.failure;
  }

  get workers(): number {
    return this.workerCount;
  }

  get trainer() {
    return { config: this.live, totalSteps: this.planned, step: this.steps };
  }

  on<K extends keyof RunEvents>(event: K, fn: (payload: RunEvents[K]) => void): () => void {
    return this.events.on(event, fn);
  }

  off<K extends keyof RunEvents>(event: K, fn: (payload: RunEvents[K]) => void): void {
    this.events.off(event, fn);
  }

  update(patch: LiveUpdate): void {
    if (!this.active) throw new Error(`run.update: run ${this.outputDir} has already ended (${this.state})`);
    checkLiveUpdate({ ...this.live, ...this.pendingPatch } as GrpoConfig, patch, {
      hasReference: this.hasReference,
      maxPositions: this.maxPositions,
    });
    this.pendingPatch = { ...this.pendingPatch, ...patch };
    this.host.send({ type: "update", patch });
  }

  pause(): void {
    this.host.send({ type: "command", name: "pause" });
  }

  resume(): void {
    this.host.send({ type: "command", name: "resume" });
  }

  stop(): void {
    this.host.send({ type: "command", name: "stop" });
  }

  checkpoint(): Promise<string> {
    if (!this.active) {
      return Promise.reject(
        new Error(`run.checkpoint: run ${this.outputDir} has already ended (${this.state})`),
      );
    }
    this.host.send({ type: "command", name: "checkpoint" });
    return nextCheckpoint(this);
  }

  interrupt(): string {
    if (!this.active) return `interrupted: run ${this.outputDir} had already ended (${this.state})`;
    this.host.send({ type: "command", name: "interrupt" });
    return `interrupted: run ${this.outputDir} checkpoints and stops after step ${this.steps + 1}; the rest of this cell does not run`;
  }

  private setStatus(s: RunStatus): void {
    if (s === this.state) return;
    this.state = s;
    this.events.emit("status", s);
  }

  private onMessage(msg: FromHost, resolve: (s: RunSummary) => void, reject: (e: Error) => void): void {
    switch (msg.type) {
      case "ready":
        this.workerCount = msg.workers;
        return;
      case "status":
        this.live = msg.config;
        this.planned = msg.totalSteps;
        this.steps = msg.step;
        this.pendingPatch = {};
        if (!["finished", "stopped", "failed"].includes(msg.status)) this.setStatus(msg.status as RunStatus);
        return;
      case "event":
        this.onEvent(msg.name, msg.payload, resolve);
        return;
      case "weights":
        this.syncWeights(msg.weights);
        return;
      case "score":
        void this.score(msg);
        return;
      case "failed":
        this.fail(errorFrom(msg.error), reject);
        return;
      default:
        return;
    }
  }

  private onEvent(name: string, payload: unknown, resolve: (s: RunSummary) => void): void {
    if (name === "step") {
      const m = payload as StepMetrics;
      this.steps = m.step;
      this.metrics.push(m);
      this.events.emit("step", m);
      // after the listeners and what their awaits continue with (setImmediate runs after microtasks)
      setImmediate(() => this.host.send({ type: "step-ack", step: m.step }));
    } else if (name === "log") this.events.emit("log", payload as StepMetrics);
    else if (name === "checkpoint") this.events.emit("checkpoint", payload as string);
    else if (name === "done") {
      const summary = payload as RunSummary;
      this.setStatus(summary.stopped ? "stopped" : "finished");
      this.claim.release(summary.stopped ? "stopped" : "finished", { steps: summary.steps });
      void this.host.kill();
      this.events.emit("done", summary);
      resolve(summary);
    }
  }

  private fail(err: Error, reject: (e: Error) => void): void {
    if (!this.active) return;
    this.failure = err;
    this.setStatus("failed");
    this.claim.release("failed", { steps: this.steps, error: err.message });
    void this.host.kill();
    this.events.emit("error", err);
    reject(err);
  }

  /** The trained weights back into the caller's model (a warning, not a failure, if that model is gone). */
  private syncWeights(w: PolicyWeights): void {
    try {
      assignHostTensors(this.input.model, new Map(w.names.map((n, i) => [n, w.tensors[i]])));
    } catch (err) {
      console.warn(
        `warning: run ${this.outputDir} finished, but its weights could not be copied into the model given to train() (${(err as Error).message}); load them from the last checkpoint`,
      );
    }
  }

  /** Score one remote reward here and answer the worker process. */
  private async score(msg: FromHost & { type: "score" }): Promise<void> {
    const reward = this.localRewards[msg.index];
    const diagnostics: RewardDiagnostics = { unverifiableRows: new Set<number>() };
    try {
      const raw = await reward.fn(msg.completions, msg.batch, { ...msg.ctx, diagnostics });
      const values = Array.from(raw as ArrayLike<number | null>, (v) => (typeof v === "number" ? v : null));
      this.host.send({
        type: "score-reply",
        id: msg.id,
        ok: true,
        values,
        unverifiable: [...diagnostics.unverifiableRows],
      });
    } catch (err) {
      const e = new Error(`reward "${reward.key}" (scored in this process) threw: ${(err as Error).message}`);
      this.host.send({ type: "score-reply", id: msg.id, ok: false, error: errorData(e) });
    }
  }
}

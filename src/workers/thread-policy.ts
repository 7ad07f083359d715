/**
 * The policy on N worker threads, one model replica each. Sampling is sharded by prompt group (each sequence
 * has its own seed, so the tokens do not depend on the sharding); micro-batches go round-robin, and their
 * gradients come back to the coordinator, which sums them in micro-batch order into shared memory; then every
 * replica clips and applies the same AdamW update, so the replicas stay identical.
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { BackendName } from "../backend/select";
import type { ApplyOptions, GenerationRequest, PolicyCompute, PolicyWeights } from "../grpo/policy";
import type { LossMetrics, MicroBatchInput } from "../grpo/update";
import type { AdamWOptions, AdamWState } from "../optim/adamw";
import type { GenerateResult } from "../sampler/types";
import type { ReplicaReply, ReplicaRequest } from "./replica-thread";
import { shardGroups, workerFor } from "./shard";
import type { ModelSpec } from "./specs";

/** Options of {@link ThreadPolicy.create}. */
export interface ThreadPolicyOptions {
  workers: number;
  /** The tfjs backend each thread starts (default: the project's choice). */
  backend?: BackendName;
  /** AdamW hyper-parameters; omit for generation only. */
  adam?: AdamWOptions;
  /** Keep a frozen reference copy in each replica (β > 0). */
  reference?: boolean;
  /** The reference weights, when they are not the policy's initial ones. */
  refSpec?: ModelSpec;
}

/** Bootstrap evaluated in each worker: an optional preload module, tsx's CommonJS hook, then the entry. */
function bootstrap(): string {
  const tsxCjs = require.resolve("tsx/cjs");
  const entry = path.join(__dirname, "replica-thread.ts");
  const preload = process.env.OPEN_RS_WORKER_PRELOAD;
  return [
    `require(${JSON.stringify(tsxCjs)});`,
    preload ? `require(${JSON.stringify(path.resolve(preload))});` : "",
    `require(${JSON.stringify(entry)});`,
  ].join("");
}

interface Slot {
  index: number;
  worker: Worker;
  /** Requests to this worker run one at a time. */
  chain: Promise<unknown>;
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
  broken: Error | null;
}

/** An error sent back by a worker, rebuilt with the worker named. */
function workerError(index: number, e: { name: string; message: string; stack?: string }): Error {
  const err = new Error(e.message);
  err.name = e.name;
  (err as Error & { workerStack?: string }).workerStack = e.stack;
  (err as Error & { worker?: number }).worker = index;
  return err;
}

export class ThreadPolicy implements PolicyCompute {
  readonly workers: number;
  private readonly slots: Slot[];
  private gradViews: Float32Array[] = [];
  private nextId = 1;
  private disposed = false;

  private constructor(
    readonly config: Record<string, unknown>,
    workers: number,
  ) {
    this.workers = workers;
    this.slots = Array.from({ length: workers }, (_, index) => this.spawn(index));
  }

  /** Start the threads and build a replica of `spec` in each. */
  static async create(spec: ModelSpec, opts: ThreadPolicyOptions): Promise<ThreadPolicy> {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) {
      throw new Error(`ThreadPolicy: workers must be ≥ 1, got ${opts.workers}`);
    }
    const policy = new ThreadPolicy(spec.config, opts.workers);
    const buffers = opts.adam
      ? spec.tensors.map((t) => new SharedArrayBuffer(t.data.length * Float32Array.BYTES_PER_ELEMENT))
      : [];
    policy.gradViews = buffers.map((b) => new Float32Array(b));
    try {
      await Promise.all(
        policy.slots.map((s) =>
          policy.call(s, "init", {
            spec,
            refSpec: opts.refSpec,
            reference: Boolean(opts.reference),
            adam: opts.adam,
            backend: opts.backend,
            gradBuffers: buffers,
          }),
        ),
      );
    } catch (err) {
      await policy.dispose();
      throw err;
    }
    return policy;
  }

  private spawn(index: number): Slot {
    const worker = new Worker(bootstrap(), { eval: true });
    const slot: Slot = { index, worker, chain: Promise.resolve(), pending: new Map(), broken: null };
    const fail = (err: Error) => {
      slot.broken ??= err;
      for (const p of slot.pending.values()) p.reject(slot.broken);
      slot.pending.clear();
    };
    worker.on("message", (msg: ReplicaReply) => {
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(workerError(index, msg.error));
    });
    worker.on("error", (err) =>
      fail(workerError(index, { name: err.name, message: err.message, stack: err.stack })),
    );
    worker.on("exit", (code) => {
      if (!this.disposed) fail(new Error(`worker thread ${index} exited unexpectedly (code ${code})`));
    });
    return slot;
  }

  /** Send one request to a worker after its previous ones; resolves with the reply's result. */
  private call<T = unknown>(
    slot: Slot,
    op: ReplicaRequest["op"],
    args?: unknown,
    transfer: ArrayBuffer[] = [],
  ): Promise<T> {
    const run = () =>
      new Promise<T>((resolve, reject) => {
        if (slot.broken) return reject(slot.broken);
        if (this.disposed && op !== "dispose")
          return reject(new Error("the policy's workers were shut down"));
        const id = this.nextId++;
        slot.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        slot.worker.postMessage({ id, op, args } as ReplicaRequest, transfer);
      });
    const result = slot.chain.then(run, run);
    slot.chain = result.catch(() => {});
    return result;
  }

  async generate(req: GenerationRequest): Promise<GenerateResult> {
    const shards = shardGroups(req.promptIds.length, req.groupSize ?? 1, this.workers);
    const parts = await Promise.all(
      shards.map(([a, b], w) =>
        this.call<GenerateResult>(this.slots[w], "generate", {
          ...req,
          promptIds: req.promptIds.slice(a, b),
          seeds: req.seeds.slice(a, b),
        }),
      ),
    );
    return {
      completionIds: parts.flatMap((p) => p.completionIds),
      logprobs: parts.flatMap((p) => p.logprobs),
      truncated: parts.flatMap((p) => p.truncated),
    };
  }

  async logProbs(
    which: "policy" | "reference",
    batches: Array<{ promptIds: number[][]; completionIds: number[][] }>,
  ): Promise<number[][][]> {
    return Promise.all(
      batches.map((batch, i) =>
        this.call<number[][]>(this.slots[workerFor(i, this.workers)], "logProbs", { which, batch }),
      ),
    );
  }

  async gradients(
    batches: MicroBatchInput[],
    onResult: (index: number, grads: Float32Array[], metrics: LossMetrics, logp?: number[][]) => void,
  ): Promise<void> {
    // Results may arrive out of order across workers; deliver them strictly in micro-batch order.
    type Result = { grads: Float32Array[]; metrics: LossMetrics; logp?: number[][] };
    const ready = new Map<number, Result>();
    let next = 0;
    const flush = () => {
      while (ready.has(next)) {
        const r = ready.get(next)!;
        ready.delete(next);
        onResult(next, r.grads, r.metrics, r.logp);
        next++;
      }
    };
    await Promise.all(
      batches.map(async (batch, i) => {
        const r = await this.call<Result>(this.slots[workerFor(i, this.workers)], "gradients", batch);
        ready.set(i, r);
        flush();
      }),
    );
  }

  async applyUpdate(
    grads: Float32Array[],
    lr: number,
    opts: ApplyOptions,
  ): Promise<{ norm: number; applied: boolean }> {
    grads.forEach((g, i) => {
      this.gradViews[i].set(g);
    });
    const results = await Promise.all(
      this.slots.map((s) => this.call<{ norm: number; applied: boolean }>(s, "apply", { lr, ...opts })),
    );
    const first = results[0];
    const odd = results.findIndex((r) => !Object.is(r.norm, first.norm) || r.applied !== first.applied);
    if (odd >= 0) {
      throw new Error(
        `internal error: replica ${odd} computed grad norm ${results[odd].norm}, replica 0 ${first.norm}; the replicas diverged`,
      );
    }
    return first;
  }

  weights(): Promise<PolicyWeights> {
    return this.call<PolicyWeights>(this.slots[0], "weights");
  }

  async setWeights(w: PolicyWeights): Promise<void> {
    await Promise.all(this.slots.map((s) => this.call(s, "setWeights", w)));
  }

  optimizerState(): Promise<AdamWState> {
    return this.call<AdamWState>(this.slots[0], "optimizerState");
  }

  async setOptimizerState(state: AdamWState): Promise<void> {
    await Promise.all(this.slots.map((s) => this.call(s, "setOptimizerState", state)));
  }

  /** Terminate every thread (their tensors go with them). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

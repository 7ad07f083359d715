/**
 * A small worker_threads pool with a hard per-check time limit: a check that runs past `timeoutMs` has its
 * worker terminated (compute-engine's own time limit cannot stop one huge BigInt operation) and is answered
 * `false`; a fresh worker replaces it. Workers are unref'd while idle so they never keep a process alive.
 * A worker takes 1–3 s to start (loading compute-engine), so {@link VerifierPool.warm} starts one ahead of
 * need; further workers start only when every running one is busy.
 */
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { CompareOptions } from "./compare";
import type { WorkerRequest, WorkerResponse } from "./worker";

/** Counters for diagnostics (`verifierStats()`). */
export interface PoolStats {
  checks: number;
  timeouts: number;
  errors: number;
  respawns: number;
}

interface Job {
  req: WorkerRequest;
  timeoutMs: number;
  resolve: (ok: boolean) => void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  job?: Job;
  timer?: NodeJS.Timeout;
}

/**
 * Bootstrap evaluated in the worker: register tsx's CommonJS hook, load compute-engine through its code cache
 * (./engine-cache), then the TypeScript entry.
 */
function bootstrap(): string {
  const tsxCjs = JSON.stringify(require.resolve("tsx/cjs"));
  const cache = JSON.stringify(path.join(__dirname, "engine-cache.ts"));
  const entry = JSON.stringify(path.join(__dirname, "worker.ts"));
  return `require(${tsxCjs}); require(${cache}).preloadComputeEngine(); require(${entry});`;
}

/** Pool of engine workers; see the module comment. */
export class VerifierPool {
  readonly size: number;
  readonly stats: PoolStats = { checks: 0, timeouts: 0, errors: 0, respawns: 0 };
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 1;

  /** @param size workers to run (default: 2, or 1 on a single-core machine). */
  constructor(size = Math.max(1, Math.min(2, os.cpus().length))) {
    this.size = size;
  }

  /** Run one comparison; resolves `false` on timeout, worker crash or engine error. Never rejects. */
  check(gold: string, target: string, opts: CompareOptions, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const req = { id: this.nextId++, gold, target, opts };
      this.queue.push({ req, timeoutMs, resolve });
      this.pump();
    });
  }

  /** Start one worker now if none runs, in the background: it does not keep the process alive. */
  start(): void {
    if (this.slots.length === 0) this.slots.push(this.spawn());
  }

  /**
   * Start a worker if none runs and resolve when one is ready (or has died: never rejects). The process stays
   * alive while this waits.
   */
  async warm(): Promise<void> {
    this.start();
    const slots = [...this.slots];
    for (const s of slots) s.worker.ref();
    try {
      await Promise.race(slots.map((s) => s.ready));
    } finally {
      for (const s of slots) if (!s.job) s.worker.unref();
    }
  }

  /** Workers started (booting or ready). */
  get workers(): number {
    return this.slots.length;
  }

  /** Terminate every worker; pending checks resolve `false`. The pool can be used again afterwards. */
  async shutdown(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    for (const job of this.queue.splice(0)) job.resolve(false);
    await Promise.all(
      slots.map(async (s) => {
        if (s.timer) clearTimeout(s.timer);
        s.job?.resolve(false);
        s.job = undefined;
        await s.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const worker = new Worker(bootstrap(), { eval: true, stdout: false, stderr: false });
    const slot: Slot = { worker, ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve) => {
      const onReady = (m: unknown) => {
        if (m === "ready") {
          worker.off("message", onReady);
          resolve();
        }
      };
      worker.on("message", onReady);
      worker.once("exit", () => resolve());
      worker.postMessage("warmup");
    });
    worker.on("message", (m: WorkerResponse | "ready") => {
      if (m !== "ready") this.finish(slot, m.id, m.ok, m.error !== undefined);
    });
    worker.on("error", () => this.replace(slot, false));
    worker.on("exit", () => this.replace(slot, false));
    // After the listeners: adding a "message" listener refs the worker again.
    worker.unref();
    return slot;
  }

  private pump(): void {
    // Start another worker only for work that the running ones (busy or still booting) cannot take now.
    const idle = () => this.slots.filter((x) => !x.job).length;
    while (this.slots.length < this.size && this.queue.length > idle()) this.slots.push(this.spawn());
    for (const slot of this.slots) {
      if (slot.job || this.queue.length === 0) continue;
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.worker.ref();
      void slot.ready.then(() => {
        if (slot.job !== job) return;
        slot.timer = setTimeout(() => {
          this.stats.timeouts++;
          this.replace(slot, true);
        }, job.timeoutMs);
        slot.worker.postMessage(job.req);
      });
    }
  }

  private finish(slot: Slot, id: number, ok: boolean, errored: boolean): void {
    const job = slot.job;
    if (!job || job.req.id !== id) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
    this.stats.checks++;
    if (errored) this.stats.errors++;
    slot.worker.unref();
    job.resolve(ok);
    this.pump();
  }

  /** Drop a slot (timed out or dead): answer its job `false`, kill the worker, refill from the queue. */
  private replace(slot: Slot, kill: boolean): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    if (slot.timer) clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = undefined;
    if (kill) void slot.worker.terminate();
    this.stats.respawns++;
    if (job) {
      this.stats.checks++;
      job.resolve(false);
    }
    this.pump();
  }
}

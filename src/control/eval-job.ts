/**
 * A running eval: awaitable like a promise (and interruptible when awaited in a notebook cell), stoppable with
 * `stop()` (it stops taking new batches; samples already drawn are kept in its results file), and listed by
 * `jobs()` / stopped by `stopAll()`.
 */
import { JobPromise } from "./interrupt";
import { type RegisteredJob, registerJob } from "./registry";

export class EvalJob<T> extends JobPromise<T> implements RegisteredJob {
  readonly kind = "eval" as const;
  readonly ended: Promise<unknown>;
  private readonly controller: AbortController;
  private finished = false;

  private constructor(
    readonly label: string,
    base: Promise<T>,
    controller: AbortController,
  ) {
    super(base, { interrupt: () => this.interrupt() });
    this.controller = controller;
    this.ended = base.then(
      () => {},
      () => {},
    );
    void this.ended.then(() => {
      this.finished = true;
    });
  }

  /** Start `work` with an abort signal that `stop()` (or an interrupt) fires. */
  static start<T>(label: string, work: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): EvalJob<T> {
    const controller = new AbortController();
    if (outer) {
      if (outer.aborted) controller.abort();
      else outer.addEventListener("abort", () => controller.abort(), { once: true });
    }
    const job = new EvalJob(
      label,
      Promise.resolve().then(() => work(controller.signal)),
      controller,
    );
    registerJob(job);
    return job;
  }

  /** The same job, resolving to `fn(result)` (stopping either stops both). */
  map<U>(fn: (value: T) => U): EvalJob<U> {
    return new EvalJob(this.label, this.base.then(fn), this.controller);
  }

  get active(): boolean {
    return !this.finished;
  }

  /** Stop after the batch in progress; the job then rejects saying how many samples were not drawn. */
  stop(): void {
    this.controller.abort();
  }

  interrupt(): string {
    this.stop();
    return `interrupted: eval ${this.label} stops after its current batch; the rest of this cell does not run`;
  }
}

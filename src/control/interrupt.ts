/**
 * Interrupting a notebook cell that awaits a job (a run's `done`, `waitForStep`, an eval) stops that job at its
 * next step boundary, and the cell's `await` rejects at once, so nothing after it runs later. Job promises are
 * tracked thenables: each `await` (a `then` call) registers a wait, tagged with the cell that made it (when the
 * kernel wrapper provides cell contexts), and an interrupt affects only the waits of the interrupted cell.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { processState } from "./process-state";

/** A job an interrupt can stop. */
export interface Interruptible {
  /** Stop at the next step boundary (a run checkpoints first); returns one line saying what will happen. */
  interrupt(): string;
}

/** What an interrupted `await` rejects with. */
export class InterruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InterruptedError";
  }
}

/** The kernel wrapper runs each cell inside `cells.run(id, …)`; outside a kernel there is no cell. */
export const cells = processState("cells", () => new AsyncLocalStorage<number>());

interface Wait {
  job: Interruptible;
  cell: number | undefined;
  reject: (err: Error) => void;
}

const waits = processState("waits", () => new Set<Wait>());

/** A promise-like whose awaits are interruptible (see the module comment). */
export class JobPromise<T> implements PromiseLike<T> {
  readonly [Symbol.toStringTag] = "JobPromise";

  constructor(
    protected readonly base: Promise<T>,
    private readonly job: Interruptible,
  ) {
    base.catch(() => {}); // rejections reach whoever awaits; never an unhandled rejection
  }

  // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose (each `await` registers an interruptible wait)
  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    // biome-ignore lint/suspicious/noExplicitAny: the same signature as Promise.then, so `(e: Error) => …` handlers type-check
    onRejected?: ((reason: any) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    let wait: Wait | undefined;
    const interrupted = new Promise<never>((_, reject) => {
      wait = { job: this.job, cell: cells.getStore(), reject };
      waits.add(wait);
    });
    interrupted.catch(() => {});
    const forget = () => {
      if (wait) waits.delete(wait);
    };
    this.base.then(forget, forget);
    return Promise.race([this.base, interrupted]).then(onFulfilled, onRejected);
  }

  // biome-ignore lint/suspicious/noExplicitAny: as Promise.catch
  catch<B = never>(onRejected?: ((reason: any) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.then(undefined, onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.then(
      (v) => {
        onFinally?.();
        return v;
      },
      (e) => {
        onFinally?.();
        throw e;
      },
    );
  }
}

/**
 * Interrupt the waits of `cell` (undefined: every wait): each distinct job is asked to stop once, and every
 * such wait rejects with an {@link InterruptedError}. Returns the jobs' messages (empty when nothing waited).
 */
export function interruptWaits(cell?: number): string[] {
  const hit = [...waits].filter((w) => cell === undefined || w.cell === undefined || w.cell === cell);
  const messages = new Map<Interruptible, string>();
  for (const w of hit) {
    if (!messages.has(w.job)) messages.set(w.job, w.job.interrupt());
    waits.delete(w);
    w.reject(new InterruptedError(messages.get(w.job)!));
  }
  return [...messages.values()];
}

/** Number of pending waits (for tests). */
export function pendingWaits(): number {
  return waits.size;
}

const sigint = processState("sigint", () => ({ installed: false }));

/** The kernel wrapper handles interrupts itself (kernel-hooks.ts): no SIGINT listener of ours is needed. */
export function markInterruptHandled(): void {
  sigint.installed = true;
}

/**
 * Inside a notebook kernel, make SIGINT (Jupyter's interrupt) interrupt the waits of the running cell before
 * the kernel's own handler runs. Idempotent; the kernel wrapper calls it at start, and job handles call it when
 * they start, for kernels started without the wrapper.
 */
export function installInterruptHandler(current: () => number | undefined = () => undefined): void {
  if (sigint.installed) return;
  sigint.installed = true;
  process.prependListener("SIGINT", () => {
    for (const m of interruptWaits(current())) process.stderr.write(`⏹ ${m}\n`);
  });
}

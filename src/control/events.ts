/**
 * A small typed event emitter for job handles. A listener that throws never breaks the job: the error is
 * reported once per listener as a warning (where a notebook user looks: the cell's stderr) and the job goes on.
 */

/** A listener for one event's payload. */
export type Listener<T> = (payload: T) => void;

export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Array<Listener<never>>>();
  private readonly warned = new WeakSet<object>();

  constructor(
    /** What the warning calls the job, e.g. `run reports/runs/00-quickstart`. */
    private readonly label: () => string,
    private readonly warn: (message: string) => void = (m) => console.warn(m),
  ) {}

  /** Subscribe; returns an unsubscribe function. */
  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(fn as Listener<never>);
    this.listeners.set(event, list);
    return () => this.off(event, fn);
  }

  off<K extends keyof Events>(event: K, fn: Listener<Events[K]>): void {
    const list = this.listeners.get(event) ?? [];
    this.listeners.set(
      event,
      list.filter((f) => f !== (fn as Listener<never>)),
    );
  }

  /** Number of listeners of `event`. */
  count<K extends keyof Events>(event: K): number {
    return (this.listeners.get(event) ?? []).length;
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) {
      try {
        (fn as Listener<Events[K]>)(payload);
      } catch (err) {
        if (this.warned.has(fn)) continue;
        this.warned.add(fn);
        const msg = err instanceof Error ? err.message : String(err);
        this.warn(
          `warning: a "${String(event)}" listener of ${this.label()} threw (${msg}); the job goes on, and further errors of this listener are not shown`,
        );
      }
    }
  }
}

/**
 * A readers–writer lock for `open-rs serve`'s weights: generation requests read, a weight reload writes. As in
 * SGLang (its `model_update_lock`), a reload waits for the requests in flight to finish and requests that
 * arrive meanwhile wait for the reload, so every request runs on one set of weights from start to end.
 */

/** Releases a lock once; further calls do nothing. */
export type Release = () => void;

/** Async readers–writer lock. A waiting writer blocks new readers; a released writer lets waiting readers in first. */
export class RwLock {
  private readers = 0;
  private writing = false;
  private readonly readQueue: Array<() => void> = [];
  private readonly writeQueue: Array<() => void> = [];

  /** Holders now: readers and whether a writer holds the lock (for tests and logs). */
  get state(): { readers: number; writing: boolean; waitingWriters: number } {
    return { readers: this.readers, writing: this.writing, waitingWriters: this.writeQueue.length };
  }

  async read(): Promise<Release> {
    if (this.writing || this.writeQueue.length > 0) {
      await new Promise<void>((r) => this.readQueue.push(r));
    } else {
      this.readers++;
    }
    return once(() => {
      this.readers--;
      this.next(false);
    });
  }

  async write(): Promise<Release> {
    if (this.writing || this.readers > 0) {
      await new Promise<void>((r) => this.writeQueue.push(r));
    } else {
      this.writing = true;
    }
    return once(() => {
      this.writing = false;
      this.next(true);
    });
  }

  /** Hands the free lock on: after a writer, to every waiting reader (if any); else to the next writer. */
  private next(afterWriter: boolean): void {
    if (this.writing || this.readers > 0) return;
    if (afterWriter && this.readQueue.length > 0) {
      const waiting = this.readQueue.splice(0);
      this.readers += waiting.length;
      for (const r of waiting) r();
      return;
    }
    const w = this.writeQueue.shift();
    if (w) {
      this.writing = true;
      w();
    }
  }
}

function once(f: () => void): Release {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    f();
  };
}

/**
 * Retries with exponential backoff and jitter for HTTP clients (the eval's HttpRunner, the rollout server pool):
 * each attempt says whether its failure is worth retrying; a server's Retry-After replaces the backoff (capped).
 */

/** How often and how long to wait between attempts. */
export interface RetryOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff, ms; doubles each retry, with jitter in [50%, 100%]. */
  backoffMs: number;
  /** Backoff cap, ms (also caps a server's Retry-After). */
  maxBackoffMs: number;
}

/** One attempt's outcome. */
export type Attempt<T> =
  | { ok: true; value: T }
  | { ok: false; retry: boolean; retryAfterS?: number; error: Error };

/** What to throw when the signal aborts, or when every attempt failed. */
export interface RetryErrors {
  cancelled: () => Error;
  exhausted: (attempts: number, last: Error | null) => Error;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The wait before retry `k` (0-based): Retry-After when the server sent one, else jittered exponential backoff. */
export function backoffDelay(o: RetryOptions, k: number, retryAfterS?: number): number {
  if (retryAfterS !== undefined && Number.isFinite(retryAfterS))
    return Math.min(o.maxBackoffMs, retryAfterS * 1000);
  const base = Math.min(o.maxBackoffMs, o.backoffMs * 2 ** k);
  return base * (0.5 + 0.5 * Math.random());
}

/** Runs `attempt(k)` for k = 0, 1, … until it succeeds, fails for good, or the retries run out. */
export async function withRetries<T>(
  o: RetryOptions,
  attempt: (k: number) => Promise<Attempt<T>>,
  errors: RetryErrors,
  signal?: AbortSignal,
): Promise<T> {
  let last: Error | null = null;
  for (let k = 0; k <= o.maxRetries; k++) {
    if (signal?.aborted) throw errors.cancelled();
    const r = await attempt(k);
    if (r.ok) return r.value;
    if (!r.retry) throw r.error;
    last = r.error;
    if (k < o.maxRetries) await sleep(backoffDelay(o, k, r.retryAfterS));
  }
  throw errors.exhausted(o.maxRetries + 1, last);
}

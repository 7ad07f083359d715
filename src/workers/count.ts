/**
 * How many worker threads a job uses: the `workers` option, else `OPEN_RS_WORKERS`, else the machine's cores
 * (one model replica per core; the wasm backend computes on one thread per replica).
 */
import { availableParallelism } from "node:os";

/** The machine's cores (what `workers` defaults to). */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** Resolve a worker count; a bad value is one line naming where it came from and what to use. */
export function resolveWorkers(option: number | undefined, min = 0): number {
  if (option !== undefined) return checkCount(option, "workers", min);
  const env = process.env.OPEN_RS_WORKERS;
  if (env !== undefined && env !== "")
    return checkCount(Number(env), `OPEN_RS_WORKERS=${JSON.stringify(env)}`, min);
  return defaultWorkers();
}

function checkCount(v: number, source: string, min: number): number {
  if (!Number.isInteger(v) || v < min || v > 256) {
    throw new Error(
      `${source} must be a whole number from ${min} to 256 (${min === 0 ? "0 = in this thread, " : ""}default: the machine's ${defaultWorkers()} cores), got ${String(v)}`,
    );
  }
  return v;
}

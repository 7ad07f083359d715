/**
 * Every run and eval started in this process, so that a lost handle is never out of reach: `runs()` lists the
 * runs (newest last), `jobs()` everything, and `stopAll()` stops whatever is still active.
 */

import { processState } from "./process-state";

/** What the registry needs from a job. */
export interface RegisteredJob {
  readonly kind: "run" | "eval";
  /** e.g. the run's output_dir or the eval's model label. */
  readonly label: string;
  /** True until the job has ended. */
  readonly active: boolean;
  stop(): void;
  /** Settles when the job has ended (never rejects). */
  readonly ended: Promise<unknown>;
}

const all = processState<RegisteredJob[]>("jobs", () => []);

export function registerJob(job: RegisteredJob): void {
  all.push(job);
}

/** Every job started in this process, oldest first. */
export function jobs(): RegisteredJob[] {
  return [...all];
}

/** Every GRPO run started in this process (as registered: cast to the run handle type by callers). */
export function registeredRuns(): RegisteredJob[] {
  return all.filter((j) => j.kind === "run");
}

/** Stop every active run (at its next step boundary) and eval; resolves when all have ended. */
export async function stopAll(): Promise<number> {
  const active = all.filter((j) => j.active);
  for (const j of active) j.stop();
  await Promise.all(active.map((j) => j.ended));
  return active.length;
}

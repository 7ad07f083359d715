/**
 * Every run owns its output_dir. A fresh run refuses a directory that holds another run's files (metrics,
 * completions, checkpoints, run.json) unless told to resume it or to overwrite it (`overwrite_output_dir`,
 * as Hugging Face's TrainingArguments); a second active run on the same directory is refused, in this process
 * (a registry) and across processes (a lock file holding the owner's pid). run.json records the run's id,
 * start, seed and final status.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { processState } from "../control/process-state";

/** run.json in an output_dir. */
export interface RunRecord {
  run_id: string;
  started: string;
  pid: number;
  host: string;
  status: "running" | "finished" | "stopped" | "failed";
  seed?: number;
  resumed_from?: string | null;
  ended?: string;
  steps?: number;
  error?: string;
}

const RUN_FILE = "run.json";
const LOCK_FILE = ".run.lock";
/** Names that show a run has used an output_dir (what makes a fresh run refuse it). */
const RUN_OUTPUTS = [
  /^metrics\.jsonl$/,
  /^completions\.jsonl$/,
  /^run\.json$/,
  /^checkpoint-\d+$/,
  /^\.checkpoint-\d+\./,
];
/** What overwriting or clearing deletes: the run's outputs and the evals written beside it (a base eval may come first). */
const OWNED = [...RUN_OUTPUTS, /^eval-.+\.jsonl$/, /^summary\.json$/];

const active = processState("active-run-dirs", () => new Map<string, string>());

/** Options of {@link claimRunDir}. */
export interface ClaimOptions {
  /** Continue the run whose files are there (resume from a checkpoint of this directory, or from its start). */
  resume: boolean;
  /** Delete another run's files first. */
  overwrite: boolean;
  seed?: number;
  resumedFrom?: string | null;
}

/** A claimed directory; `release` records the outcome and frees it. */
export interface RunDirClaim {
  readonly dir: string;
  readonly runId: string;
  release(status: RunRecord["status"], extra?: Partial<RunRecord>): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return null;
  }
}

/** The run files in `dir` (names; `all` adds eval results and summaries), or [] when it does not exist. */
export function runFilesIn(dir: string, all = false): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => {
    if (!(all ? OWNED : RUN_OUTPUTS).some((re) => re.test(n))) return false;
    if (n === "metrics.jsonl" || n === "completions.jsonl") return statSync(join(dir, n)).size > 0;
    return true;
  });
}

function describeRun(dir: string, files: string[]): string {
  const rec = readJson<RunRecord>(join(dir, RUN_FILE));
  const ckpts = files.filter((f) => f.startsWith("checkpoint-"));
  const parts = [
    rec
      ? `run ${rec.run_id} started ${rec.started}${rec.seed !== undefined ? `, seed ${rec.seed}` : ""}, ${rec.status}`
      : null,
    ckpts.length ? ckpts.sort((a, b) => Number(a.slice(11)) - Number(b.slice(11))).join(", ") : null,
    files.includes("metrics.jsonl") ? "metrics.jsonl" : null,
  ].filter(Boolean);
  return parts.join("; ");
}

/**
 * Delete the run files in `dir` (what `overwrite_output_dir` deletes) so that a fresh run may use it; refuses a
 * directory whose run is still active. Returns how many entries were removed.
 */
export function clearRunDir(dirIn: string): number {
  const dir = resolve(dirIn);
  const owner = active.get(dir);
  if (owner) {
    throw new Error(
      `output_dir ${dirIn} is in use by run ${owner}, still active in this process; stop it first`,
    );
  }
  const files = runFilesIn(dir, true);
  for (const f of files) rmSync(join(dir, f), { recursive: true, force: true });
  rmSync(join(dir, LOCK_FILE), { force: true });
  return files.length;
}

/**
 * Claim `dir` for a run (see the module comment). Throws one line naming the directory, what it holds and the
 * three ways forward when it belongs to another run.
 */
export function claimRunDir(dirIn: string, opts: ClaimOptions): RunDirClaim {
  const dir = resolve(dirIn);
  const inProcess = active.get(dir);
  if (inProcess) {
    throw new Error(
      `output_dir ${dirIn} is in use by run ${inProcess}, still active in this process; stop it first (run.stop(), or stopAll()) or choose another output_dir`,
    );
  }
  const lock = readJson<{ pid: number; host: string; runId: string }>(join(dir, LOCK_FILE));
  if (lock && lock.host === hostname() && lock.pid !== process.pid && isAlive(lock.pid)) {
    throw new Error(
      `output_dir ${dirIn} is in use by run ${lock.runId} of process ${lock.pid}; stop that run first, or choose another output_dir`,
    );
  }
  const files = runFilesIn(dir);
  if (files.length > 0 && !opts.resume) {
    if (!opts.overwrite) {
      throw new Error(
        `output_dir ${dirIn} holds another run's files (${describeRun(dir, files)}); resume it (--resume, or train(..., { resume: true })), overwrite it (--overwrite-output-dir, or overwrite_output_dir: true), or choose a new output_dir`,
      );
    }
    for (const f of runFilesIn(dir, true)) rmSync(join(dir, f), { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  const previous = opts.resume ? readJson<RunRecord>(join(dir, RUN_FILE)) : null;
  const runId = previous?.run_id ?? randomBytes(4).toString("hex");
  const record: RunRecord = {
    run_id: runId,
    started: previous?.started ?? new Date().toISOString(),
    pid: process.pid,
    host: hostname(),
    status: "running",
    seed: opts.seed,
    resumed_from: opts.resumedFrom ?? null,
  };
  writeFileSync(join(dir, RUN_FILE), `${JSON.stringify(record, null, 1)}\n`);
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), runId }));
  active.set(dir, runId);
  let released = false;
  return {
    dir,
    runId,
    release(status, extra = {}) {
      if (released) return;
      released = true;
      active.delete(dir);
      const rec = readJson<RunRecord>(join(dir, RUN_FILE)) ?? record;
      const done = { ...rec, ...extra, status, ended: new Date().toISOString() };
      try {
        writeFileSync(join(dir, RUN_FILE), `${JSON.stringify(done, null, 1)}\n`);
        rmSync(join(dir, LOCK_FILE), { force: true });
      } catch {
        // the directory was removed under us: nothing left to record
      }
    },
  };
}

/**
 * Difficulty filtering as Open-RS did it: k samples per problem from a model, the pass rate under a reward, and
 * the problems whose pass rate falls in a range. Pass rates are cached per problem (JSONL), so a stopped
 * filter continues where it stopped; it runs as a job (await it, or `stop()` it between batches).
 */
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { EvalJob } from "../control/eval-job";
import type { RewardFn } from "../rewards/types";
import type { MathRow } from "./schema";

/** Generates `k` completions for each prompt (in-process model, or an OpenAI-compatible server). */
export type CompletionSampler = (prompts: string[], k: number) => Promise<string[][]>;

/** Difficulty filter settings. */
export interface DifficultyOptions {
  sample: CompletionSampler;
  /** Scores completions; typically the accuracy reward (1 correct, 0 wrong). */
  score: RewardFn;
  /** Completions per problem. */
  k: number;
  /** Keep problems whose pass rate p satisfies lo ≤ p ≤ hi (e.g. [0, 0] = "the model never solves it"). */
  keepRange: [number, number];
  /** Prompt text for a row; default: the problem itself. */
  prompt?: (row: MathRow) => string;
  /** A score ≥ this counts as a pass (default 1). `null` scores count as failures. */
  passThreshold?: number;
  /** Problems per `sample` call (default 16). */
  batchSize?: number;
  /** JSONL cache of per-problem results; problems already there (same key, same k) are not resampled. */
  cacheFile?: string;
  /** Distinguishes caches of different models/settings sharing one file (part of the key). */
  cacheTag?: string;
}

/** One problem's outcome. */
export interface DifficultyResult {
  key: string;
  id?: string;
  k: number;
  passes: number;
  passRate: number;
  kept: boolean;
  /** Read from the cache rather than sampled now. */
  cached: boolean;
}

/** Stable cache key: sha256 of tag, problem and answer. */
export function difficultyKey(row: MathRow, tag = ""): string {
  return createHash("sha256")
    .update(`${tag}\u0000${row.problem}\u0000${row.answer}`)
    .digest("hex")
    .slice(0, 32);
}

/**
 * Open-RS-style difficulty filtering: sample `k` completions per problem, score them, and keep the problems
 * whose pass rate falls in `keepRange` (open-s1 dropped what R1-Distill-1.5B solves; open-deepscaler what
 * Qwen2.5-Math-7B-Instruct solves). Each result is appended to `cacheFile` as soon as its batch is scored,
 * so an interrupted run resumes where it stopped.
 */
export function filterByDifficulty(
  rows: readonly MathRow[],
  opts: DifficultyOptions,
): EvalJob<{ kept: MathRow[]; results: DifficultyResult[]; sampled: number }> {
  return EvalJob.start("difficulty filter", (signal) => filterNow(rows, opts, signal));
}

async function filterNow(
  rows: readonly MathRow[],
  opts: DifficultyOptions,
  signal: AbortSignal,
): Promise<{ kept: MathRow[]; results: DifficultyResult[]; sampled: number }> {
  const [lo, hi] = opts.keepRange;
  if (!(opts.k >= 1 && Number.isInteger(opts.k)))
    throw new Error(`filterByDifficulty: k must be an integer ≥ 1, got ${opts.k}`);
  if (!(lo <= hi)) throw new Error(`filterByDifficulty: keepRange [${lo}, ${hi}] is empty`);
  const cache = opts.cacheFile ? await readCache(opts.cacheFile, opts.k) : new Map<string, number>();
  const keys = rows.map((r) => difficultyKey(r, opts.cacheTag));
  const todo = rows.map((_, i) => i).filter((i) => !cache.has(keys[i]));
  const fresh = new Set<number>(todo);
  const batch = opts.batchSize ?? 16;
  for (let s = 0; s < todo.length; s += batch) {
    if (signal.aborted) {
      throw new Error(
        `difficulty filtering stopped after ${s} of ${todo.length} rows${opts.cacheFile ? ` (their pass rates are in ${opts.cacheFile}; run again to continue)` : ""}`,
      );
    }
    const idx = todo.slice(s, s + batch);
    const passes = await scoreBatch(
      idx.map((i) => rows[i]),
      opts,
    );
    const lines = idx.map((i, j) => {
      cache.set(keys[i], passes[j]);
      return JSON.stringify({ key: keys[i], id: rows[i].id, k: opts.k, passes: passes[j] });
    });
    if (opts.cacheFile) {
      await fsp.mkdir(path.dirname(opts.cacheFile), { recursive: true });
      await fsp.appendFile(opts.cacheFile, `${lines.join("\n")}\n`);
    }
  }
  const results = rows.map((r, i): DifficultyResult => {
    const passes = cache.get(keys[i]) as number;
    const passRate = passes / opts.k;
    return {
      key: keys[i],
      id: r.id,
      k: opts.k,
      passes,
      passRate,
      kept: passRate >= lo && passRate <= hi,
      cached: !fresh.has(i),
    };
  });
  return { kept: rows.filter((_, i) => results[i].kept), results, sampled: todo.length };
}

async function scoreBatch(rows: MathRow[], opts: DifficultyOptions): Promise<number[]> {
  const prompts = rows.map((r) => (opts.prompt ? opts.prompt(r) : r.problem));
  const completions = await opts.sample(prompts, opts.k);
  if (completions.length !== rows.length || completions.some((c) => c.length !== opts.k)) {
    throw new Error(`filterByDifficulty: sampler must return ${rows.length} lists of ${opts.k} completions`);
  }
  const flat = completions.flat();
  const batch = rows.flatMap((r, i) => Array.from({ length: opts.k }, () => ({ ...r, prompt: prompts[i] })));
  // no tokenizer here: lengths are in characters (accuracy rewards ignore them)
  const scores = await opts.score(flat, batch, {
    completionTokenCounts: flat.map((c) => c.length),
    mode: "faithful",
  });
  const threshold = opts.passThreshold ?? 1;
  return rows.map((_, i) =>
    scores
      .slice(i * opts.k, (i + 1) * opts.k)
      .reduce((a: number, s) => a + (s !== null && s >= threshold ? 1 : 0), 0),
  );
}

async function readCache(file: string, k: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch {
    return out; // no cache yet
  }
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as { key: string; k: number; passes: number };
      if (r.k === k && Number.isInteger(r.passes)) out.set(r.key, r.passes);
    } catch {
      // a torn last line from an interrupted run: that problem is simply sampled again
    }
  }
  return out;
}

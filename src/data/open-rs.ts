/**
 * The Open-RS data: the repository root, the shared offline data folder, the Open-RS training set and the
 * paper's five benchmarks (by name, local or from the hub).
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { type LoadOptions, type LoadResult, loadDataset } from "./loader";
import type { MathRow } from "./schema";

/** The repository root (this file is src/data/open-rs.ts). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/**
 * The shared offline data folder: `OPEN_RS_SHARED_DATA`, else `<repo root>/../shared/data`
 * (see its README for every file's origin and schema).
 */
export function sharedDataDir(): string {
  return process.env.OPEN_RS_SHARED_DATA ?? path.resolve(REPO_ROOT, "../shared/data");
}

/** Path of a file under the shared data folder, or null when it is absent. */
export function sharedDataFile(rel: string): string | null {
  const p = path.join(sharedDataDir(), rel);
  return existsSync(p) ? p : null;
}

/**
 * knoveleng/open-rs (Experiments 2 and 3): the shared `train/open_rs.jsonl` (6,999 rows, same ids as the
 * HF row indices) when present, else the hub dataset's train split through the cache.
 */
export async function loadOpenRs(opts: LoadOptions = {}): Promise<LoadResult> {
  const local = sharedDataFile("train/open_rs.jsonl");
  if (local) return loadDataset({ path: local }, { sourceName: "open-rs", ...opts });
  return loadDataset({ hub: "knoveleng/open-rs", split: "train" }, { sourceName: "open-rs", ...opts });
}

/** The five evaluation sets of the paper, by their file names in `shared/data/benchmarks`. */
export const BENCHMARK_NAMES = ["aime24", "math500", "amc23", "minerva", "olympiadbench"] as const;
/** One of {@link BENCHMARK_NAMES}. */
export type BenchmarkName = (typeof BENCHMARK_NAMES)[number];

/** The hub copies the paper evaluated on (open-rs `evaluate.py`), and their split. */
export const BENCHMARK_HUB: Record<BenchmarkName, { hub: string; split: string }> = {
  aime24: { hub: "HuggingFaceH4/aime_2024", split: "train" },
  math500: { hub: "HuggingFaceH4/MATH-500", split: "test" },
  amc23: { hub: "knoveleng/AMC-23", split: "train" },
  minerva: { hub: "knoveleng/Minerva-Math", split: "train" },
  olympiadbench: { hub: "knoveleng/OlympiadBench", split: "train" },
};

/** Load one benchmark: the shared JSONL when present, else its hub copy ({@link BENCHMARK_HUB}). */
export async function loadBenchmark(name: BenchmarkName, opts: LoadOptions = {}): Promise<MathRow[]> {
  const local = sharedDataFile(`benchmarks/${name}.jsonl`);
  const src = local ? { path: local } : BENCHMARK_HUB[name];
  return (await loadDataset(src, { sourceName: name, ...opts })).rows;
}

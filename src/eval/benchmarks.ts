/**
 * The paper's benchmarks: how each was read (hub id, split, gold column and extraction), and building an
 * eval set from rows or a JSONL file.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { MathRow } from "../data/schema";
import { readJsonl } from "../io/jsonl";

/** Which extraction reads the gold: lighteval's `LatexExtractionConfig()` or `ExprExtractionConfig()`. */
export type GoldKind = "latex" | "expr";

/** How the paper's metric read one benchmark (docs/references.md, "Open-RS evaluation"). */
export interface BenchmarkSpec {
  /** Short name used on the CLI and in reports. */
  name: string;
  /** Hugging Face dataset id the paper evaluated. */
  hubId: string;
  /** Split of `hubId`. */
  split: string;
  /** File name under the local benchmarks folder. */
  file: string;
  /** Problems the paper scored. */
  size: number;
  /** Column the gold is read from: the full worked `solution` (MATH-500, Minerva) or `answer`. */
  goldField: "solution" | "answer";
  /** Gold extraction: LaTeX (MATH-500, Minerva, OlympiadBench) or expression (AIME, AMC). */
  goldKind: GoldKind;
}

/** The five benchmarks of Open-RS Table 1; this table is the only list of them. */
export const BENCHMARKS: Readonly<Record<string, Readonly<BenchmarkSpec>>> = Object.freeze({
  aime24: spec("aime24", "HuggingFaceH4/aime_2024", "train", 30, "answer", "expr"),
  math500: spec("math500", "HuggingFaceH4/MATH-500", "test", 500, "solution", "latex"),
  amc23: spec("amc23", "knoveleng/AMC-23", "train", 40, "answer", "expr"),
  minerva: spec("minerva", "knoveleng/Minerva-Math", "train", 272, "solution", "latex"),
  olympiadbench: spec("olympiadbench", "knoveleng/OlympiadBench", "train", 675, "answer", "latex"),
});

function spec(
  name: string,
  hubId: string,
  split: string,
  size: number,
  goldField: BenchmarkSpec["goldField"],
  goldKind: GoldKind,
): BenchmarkSpec {
  return Object.freeze({ name, hubId, split, file: `${name}.jsonl`, size, goldField, goldKind });
}

/** One problem ready to evaluate. */
export interface EvalProblem {
  /** Stable id (the row's `id`, else its index); part of the resume key. */
  id: string;
  /** Problem text inserted into the prompt. */
  problem: string;
  /** Text the gold is extracted from (the `goldField` column). */
  gold: string;
  /** How `gold` is extracted. */
  goldKind: GoldKind;
  /** The short final answer (used by the gold self-check and in reports). */
  answer: string;
}

/** A named list of problems. */
export interface Benchmark {
  name: string;
  problems: EvalProblem[];
}

/** Field mapping for an arbitrary MathRow list (synthetic held-out sets, custom files). */
export interface RowMapping {
  /** Column holding the gold. Default `answer`. */
  goldField?: "solution" | "answer";
  /** Gold extraction. Default `expr`. */
  goldKind?: GoldKind;
}

/**
 * Turns MathRows into a benchmark with the given gold mapping. Rows may carry `question` instead of `problem`
 * (OlympiadBench on the hub) and `unique_id` instead of `id` (MATH-500 on the hub).
 */
export function benchmarkFromRows(
  name: string,
  rows: readonly MathRow[],
  mapping: RowMapping = {},
): Benchmark {
  const goldField = mapping.goldField ?? "answer";
  const goldKind = mapping.goldKind ?? "expr";
  const problems = rows.map((row, i): EvalProblem => {
    const problem = typeof row.problem === "string" ? row.problem : row.question;
    if (typeof problem !== "string")
      throw new Error(`${name} row ${i}: no string "problem" (or "question") field`);
    const gold = asText(row[goldField]);
    if (gold === undefined || gold.length === 0) {
      throw new Error(`${name} row ${i}: gold field "${goldField}" is missing or not a non-empty string`);
    }
    const id = asText(row.id) ?? asText(row.unique_id) ?? String(i);
    return { id, problem, gold, goldKind, answer: asText(row.answer) ?? gold };
  });
  const seen = new Set<string>();
  for (const p of problems) {
    if (seen.has(p.id)) throw new Error(`${name}: duplicate problem id "${p.id}"; ids are resume keys`);
    seen.add(p.id);
  }
  return { name, problems };
}

/** Strings as they are; numbers (hub copies store AMC answers as floats, AIME ids as ints) as JS prints them. */
function asText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  return undefined;
}

/** The repository root (two levels above this file). */
export const REPO_ROOT = path.resolve(__dirname, "../..");

/** Default local benchmark folder: `../shared/data/benchmarks`, resolved from the repo root. */
export const DEFAULT_BENCHMARK_DIR = path.resolve(REPO_ROOT, "../shared/data/benchmarks");

/** Loads a named benchmark from a local JSONL folder. Throws if the file is absent. */
export function loadLocalBenchmark(name: string, dataDir: string = DEFAULT_BENCHMARK_DIR): Benchmark {
  const s = BENCHMARKS[name];
  if (!s) throw new Error(`unknown benchmark "${name}"; valid: ${Object.keys(BENCHMARKS).join(", ")}`);
  const file = path.join(dataDir, s.file);
  if (!existsSync(file)) throw new Error(`benchmark ${name}: no file ${file}`);
  return benchmarkFromRows(name, readJsonl<MathRow>(file), s);
}

/** Loads a JSONL file of MathRows as a benchmark named after the file (synthetic or custom sets). */
export function loadJsonlBenchmark(file: string, mapping: RowMapping = {}, name?: string): Benchmark {
  if (!existsSync(file)) throw new Error(`benchmark file ${file} does not exist`);
  return benchmarkFromRows(
    name ?? path.basename(file).replace(/\.jsonl$/, ""),
    readJsonl<MathRow>(file),
    mapping,
  );
}

/** The first `limit` problems (all when undefined). */
export function limitBenchmark(b: Benchmark, limit?: number): Benchmark {
  if (limit === undefined) return b;
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`limit must be a positive integer, got ${limit}`);
  return { name: b.name, problems: b.problems.slice(0, limit) };
}

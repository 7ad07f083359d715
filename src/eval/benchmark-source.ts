/**
 * Where benchmark rows come from: the local JSONL folder, the Hugging Face hub (through the cache), or the
 * local file when present else the hub; a missing benchmark's error says how to get it.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { readRecords } from "../data/readers";
import type { MathRow } from "../data/schema";
import { type HubOptions, hubDownload, resolveDatasetFiles } from "../hub/index";
import {
  BENCHMARKS,
  type Benchmark,
  benchmarkFromRows,
  DEFAULT_BENCHMARK_DIR,
  loadJsonlBenchmark,
  type RowMapping,
} from "./benchmarks";

/** Where benchmark data comes from. */
export interface BenchmarkSourceOptions {
  /**
   * `local`: only the JSONL folder; `hub`: only the Hugging Face hub (through the cache); `auto` (default): the
   * local file when present, else the hub.
   */
  source?: "auto" | "local" | "hub";
  /** Local JSONL folder. Default `../shared/data/benchmarks` from the repo root. */
  dataDir?: string;
  /** Hub endpoint, token, cache dir, offline switch (see src/hub). */
  hub?: HubOptions;
  /** Gold mapping for a path that is not one of the five named benchmarks. Default: `answer`, expr. */
  mapping?: RowMapping;
}

/**
 * Loads a benchmark by name (`aime24`, `math500`, `amc23`, `minerva`, `olympiadbench`) or by file path (JSONL,
 * JSON or Parquet of MathRows, e.g. a synthetic held-out set). Named benchmarks come from the local folder or
 * from the hub dataset the paper used (downloaded, checksummed and cached by src/hub); when neither is
 * available the error says how to get the data.
 */
export async function loadBenchmark(
  nameOrPath: string,
  opts: BenchmarkSourceOptions = {},
): Promise<Benchmark> {
  const spec = Object.hasOwn(BENCHMARKS, nameOrPath) ? BENCHMARKS[nameOrPath] : undefined;
  if (!spec) {
    if (/\.(jsonl|json|parquet)$/i.test(nameOrPath)) return loadFileBenchmark(nameOrPath, opts.mapping);
    throw new Error(
      `unknown benchmark "${nameOrPath}"; valid: ${Object.keys(BENCHMARKS).join(", ")}, or a .jsonl/.json/.parquet path`,
    );
  }
  const source = opts.source ?? "auto";
  const localFile = path.join(opts.dataDir ?? DEFAULT_BENCHMARK_DIR, spec.file);
  if (source !== "hub" && existsSync(localFile)) return loadJsonlBenchmark(localFile, spec, spec.name);
  if (source === "local") throw new Error(noDataMessage(spec.name, localFile, "local only (--source local)"));
  try {
    const rows = await hubRows(spec.hubId, spec.split, opts.hub);
    return benchmarkFromRows(spec.name, rows, spec);
  } catch (e) {
    throw new Error(`${noDataMessage(spec.name, localFile, (e as Error).message)}`);
  }
}

/** Downloads (or reads from the cache) every data file of one split and returns its rows. */
export async function hubRows(repoId: string, split: string, hub: HubOptions = {}): Promise<MathRow[]> {
  const files = await resolveDatasetFiles({ ...hub, repoId, split });
  const rows: MathRow[] = [];
  for (const f of files) {
    const got = await hubDownload({
      ...hub,
      repoId,
      repoType: "dataset",
      revision: f.revision,
      filename: f.filename,
      expectedSha256: f.sha256,
    });
    const recs = await readRecords(got.path);
    if (recs.issues.length > 0) {
      throw new Error(
        `${repoId}/${f.filename}: ${recs.issues.length} unreadable rows (first: ${JSON.stringify(recs.issues[0])})`,
      );
    }
    for (const r of recs.records) rows.push(r.value as MathRow);
  }
  return rows;
}

async function loadFileBenchmark(file: string, mapping: RowMapping = {}): Promise<Benchmark> {
  if (!existsSync(file)) throw new Error(`benchmark file ${file} does not exist`);
  const recs = await readRecords(file);
  if (recs.issues.length > 0) throw new Error(`${file}: ${recs.issues.length} unreadable rows`);
  const name = path.basename(file).replace(/\.(jsonl|json|parquet)$/i, "");
  return benchmarkFromRows(
    name,
    recs.records.map((r) => r.value as MathRow),
    mapping,
  );
}

function noDataMessage(name: string, localFile: string, reason: string): string {
  const spec = BENCHMARKS[name];
  return [
    `benchmark ${name}: no local file at ${localFile}, and the hub copy (${spec.hubId}, split ${spec.split}) is unavailable: ${reason}`,
    "To get the data, do one of:",
    "  - mount the shared data so that ../shared/data/benchmarks (next to the repo) holds the JSONL files, or pass --data-dir DIR;",
    `  - run once with network (--source hub) so that the hub copy lands in the cache (--cache-dir, default ~/.cache/open-rs-ts),`,
    "    or copy a filled cache folder here and set OPEN_RS_CACHE;",
    "  - pass the path of a JSONL/Parquet file instead of the name.",
  ].join("\n");
}

/**
 * The one dataset loader: a local JSONL/Parquet file or a hub split, mapped to MathRows (bad rows skipped
 * and counted, or fatal), with a report of what was read.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { HubOptions } from "../hub/config";
import { hubDownload } from "../hub/download";
import { resolveDatasetFiles } from "../hub/resolve";
import { type ColumnMapping, mapRecord, type RowIssue } from "./columns";
import { readRecords } from "./readers";
import type { MathRow } from "./schema";

/** A local file, or a hub dataset split. A bare string is a path if it exists or has an extension, else a hub id. */
export type DataSource =
  | string
  | { path: string }
  | { hub: string; split?: string; config?: string; revision?: string };

/** How to load. */
export interface LoadOptions {
  /** Where MathRow fields come from (see {@link ColumnMapping}); default: the same-named columns. */
  columns?: ColumnMapping;
  /** A row missing `problem` or `answer`, or an unreadable line: `skip` it (counted) or `fail` (default `skip`). */
  onBadRow?: "skip" | "fail";
  /** `source` for rows that have none, and the prefix of generated ids. Default: file stem or hub id's name. */
  sourceName?: string;
  /** Hub connection/cache settings (also from HF_ENDPOINT, HF_TOKEN, OPEN_RS_CACHE, HF_HUB_OFFLINE). */
  hub?: HubOptions;
  /** Receives the skipped-rows warning ({@link skippedRowsWarning}) under `skip`. Default console.warn. */
  warn?: (message: string) => void;
}

/** What happened during a load. */
export interface LoadReport {
  /** The source as given, in words. */
  source: string;
  /** Local files read (cache paths for hub data). */
  files: string[];
  /** Records seen (including bad ones). */
  total: number;
  loaded: number;
  skipped: number;
  /** Every bad row, by file and row number. */
  issues: RowIssue[];
}

/** Rows plus the report. */
export interface LoadResult {
  rows: MathRow[];
  report: LoadReport;
}

/** Thrown under `onBadRow: "fail"` after the whole source was checked; lists the first issues. */
export class DataLoadError extends Error {
  readonly report: LoadReport;
  constructor(report: LoadReport) {
    const shown = report.issues.slice(0, 10).map((i) => `  ${i.file}:${i.row}: ${i.message}`);
    const more = report.issues.length > 10 ? [`  … and ${report.issues.length - 10} more`] : [];
    super(
      [
        `data: ${report.issues.length} bad row(s) in ${report.source} (${report.total} records):`,
        ...shown,
        ...more,
        "Fix the column mapping (options.columns) or load with onBadRow: 'skip'.",
      ].join("\n"),
    );
    this.name = "DataLoadError";
    this.report = report;
  }
}

/** Column mappings for hub ids whose columns are not already problem/answer. */
const KNOWN_COLUMNS: Record<string, ColumnMapping> = {
  "knoveleng/OlympiadBench": { problem: ["problem", "question"] },
  "knoveleng/Minerva-Math": { answerFromBoxed: true },
  "HuggingFaceH4/MATH-500": { id: ["id", "unique_id"], answerFromBoxed: true },
  "Hothan/OlympiadBench": { problem: ["problem", "question"], answer: ["answer", "final_answer[0]"] },
};

/**
 * A string source as a local path or a hub split: an existing path, or anything that looks like one (a data
 * file extension, `./`, `../`, `/`, `~`, more than one `/`), is a path; `owner/name` is a hub id. A path that
 * does not exist is reported as a missing file, never as a malformed hub id.
 */
export function resolveDataSource(
  src: string,
  split?: string,
): { path: string } | { hub: string; split?: string } {
  const pathLike =
    /\.(jsonl|ndjson|json|parquet)$/i.test(src) ||
    /^(\.{1,2}[\\/]|[\\/]|~)/.test(src) ||
    src.split("/").length > 2;
  if (existsSync(src)) return { path: src };
  if (pathLike)
    throw new Error(`data: ${src}: no such file; check the path (a hub dataset id is owner/name)`);
  if (/^[\w.-]+\/[\w.-]+$/.test(src)) return split === undefined ? { hub: src } : { hub: src, split };
  throw new Error(`data: "${src}" is neither an existing file nor a hub dataset id (owner/name)`);
}

function normalizeSource(
  src: DataSource,
): { path: string } | { hub: string; split?: string; config?: string; revision?: string } {
  return typeof src === "string" ? resolveDataSource(src) : src;
}

/**
 * The warning for skipped rows (the `skip` policy): how many, of how many, and the first few as file:line.
 * Undefined when nothing was skipped.
 */
export function skippedRowsWarning(report: LoadReport, shown = 5): string | undefined {
  if (report.skipped === 0) return undefined;
  const first = report.issues.slice(0, shown).map((i) => `${i.file}:${i.row}: ${i.message}`);
  const more = report.issues.length > shown ? `; … and ${report.issues.length - shown} more` : "";
  return `data: skipped ${report.skipped} of ${report.total} rows of ${report.source} (onBadRow: skip): ${first.join("; ")}${more}`;
}

/**
 * Load MathRows from a JSONL/JSON/Parquet file or a hub dataset split (downloaded into the cache with
 * {@link hubDownload}). Bad rows are reported by file and row number, and skipped or fatal per `onBadRow`;
 * either way the whole source is read first, so a load never stops halfway.
 */
export async function loadDataset(src: DataSource, opts: LoadOptions = {}): Promise<LoadResult> {
  const s = normalizeSource(src);
  let files: string[];
  let name: string;
  let columns = opts.columns;
  if ("path" in s) {
    files = [path.resolve(s.path)];
    name = path.basename(s.path).replace(/\.[^.]+$/, "");
  } else {
    const list = await resolveDatasetFiles({
      ...opts.hub,
      repoId: s.hub,
      split: s.split,
      config: s.config,
      revision: s.revision,
    });
    files = [];
    for (const f of list) {
      const got = await hubDownload({
        ...opts.hub,
        repoId: s.hub,
        repoType: "dataset",
        revision: f.revision,
        filename: f.filename,
        expectedSha256: f.sha256,
      });
      files.push(got.path);
    }
    name = s.hub.split("/")[1];
    columns ??= KNOWN_COLUMNS[s.hub];
  }
  const label = "path" in s ? s.path : `${s.hub} [${s.config ?? "default"}/${s.split ?? "train"}]`;
  return mapFiles(files, label, { ...opts, columns, sourceName: opts.sourceName ?? name });
}

async function mapFiles(
  files: string[],
  label: string,
  opts: LoadOptions & { sourceName: string },
): Promise<LoadResult> {
  const report: LoadReport = { source: label, files, total: 0, loaded: 0, skipped: 0, issues: [] };
  const rows: MathRow[] = [];
  let offset = 0; // records in earlier files, so generated ids are global row indices
  for (const file of files) {
    const raw = await readRecords(file);
    report.total += raw.records.length + raw.issues.length;
    report.issues.push(...raw.issues);
    report.skipped += raw.issues.length;
    raw.records.forEach((rec, i) => {
      const mapped = mapRecord(rec.value, opts.columns ?? {}, { file, row: rec.row });
      if (Array.isArray(mapped)) {
        report.issues.push(...mapped);
        report.skipped++;
        return;
      }
      mapped.source ??= opts.sourceName;
      mapped.id ??= `${opts.sourceName}-${offset + i}`;
      rows.push(mapped);
    });
    offset += raw.records.length;
  }
  report.loaded = rows.length;
  if (opts.onBadRow === "fail" && report.issues.length > 0) throw new DataLoadError(report);
  if (rows.length === 0) {
    const first = report.issues[0];
    const why = first
      ? `; all ${report.total} records were bad, first ${first.file}:${first.row}: ${first.message}`
      : "";
    throw new Error(`data: no usable rows in ${label}${why}`);
  }
  const warning = skippedRowsWarning(report);
  if (warning) (opts.warn ?? console.warn)(warning);
  return { rows, report };
}

/** {@link loadDataset}, returning only the rows. */
export async function loadRows(src: DataSource, opts: LoadOptions = {}): Promise<MathRow[]> {
  return (await loadDataset(src, opts)).rows;
}

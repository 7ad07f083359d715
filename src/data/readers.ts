import { promises as fsp } from "node:fs";
import { parquetReadObjects } from "hyparquet";
import type { RowIssue } from "./columns";

/** Raw records of one file, with their 1-based row numbers (line numbers for JSONL). */
export interface RawRecords {
  records: Array<{ row: number; value: unknown }>;
  /** Lines that could not be parsed. */
  issues: RowIssue[];
}

/** The file formats the loader reads, by extension. */
export type FileFormat = "jsonl" | "json" | "parquet";

/** Format from the file name; throws naming the file when it is none of `.jsonl`, `.json`, `.parquet`. */
export function formatOf(file: string): FileFormat {
  const m = /\.(jsonl|ndjson|json|parquet)$/i.exec(file);
  if (!m) throw new Error(`data: cannot tell the format of ${file}: expected .jsonl, .json or .parquet`);
  const ext = m[1].toLowerCase();
  return ext === "ndjson" ? "jsonl" : (ext as FileFormat);
}

/** Read one local file into raw records. Bad JSON lines become issues; the read never stops halfway. */
export async function readRecords(file: string, format: FileFormat = formatOf(file)): Promise<RawRecords> {
  if (format === "parquet") return readParquet(file);
  const text = await fsp.readFile(file, "utf8");
  if (format === "json") return readJsonArray(file, text);
  return parseJsonl(file, text);
}

/** Parse JSON Lines text; blank lines are skipped, bad lines reported with their line number. */
export function parseJsonl(file: string, text: string): RawRecords {
  const records: RawRecords["records"] = [];
  const issues: RowIssue[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    try {
      records.push({ row: i + 1, value: JSON.parse(line) });
    } catch (e) {
      issues.push({ file, row: i + 1, field: null, message: `invalid JSON: ${(e as Error).message}` });
    }
  }
  return { records, issues };
}

function readJsonArray(file: string, text: string): RawRecords {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return {
      records: [],
      issues: [{ file, row: 0, field: null, message: `invalid JSON file: ${(e as Error).message}` }],
    };
  }
  if (!Array.isArray(parsed)) {
    return { records: [], issues: [{ file, row: 0, field: null, message: "expected a JSON array of rows" }] };
  }
  return { records: parsed.map((value, i) => ({ row: i + 1, value })), issues: [] };
}

async function readParquet(file: string): Promise<RawRecords> {
  const buf = await fsp.readFile(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const rows = await parquetReadObjects({ file: ab });
  return {
    records: rows.map((value, i) => ({ row: i + 1, value: normalizeParquetValue(value) })),
    issues: [],
  };
}

/** BigInt (INT64 columns) → number when safe, so ids and levels behave like JSON numbers. */
function normalizeParquetValue(v: unknown): unknown {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(normalizeParquetValue);
  if (v !== null && typeof v === "object" && !(v instanceof Uint8Array) && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalizeParquetValue(x);
    return out;
  }
  return v;
}

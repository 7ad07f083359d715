/** Raw records from JSONL, JSON and Parquet files; every read error names the file and what is wrong. */
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

/** Reads a file's bytes; errors name the file and say what is wrong with the path. */
async function readBytes(file: string): Promise<Buffer> {
  try {
    return await fsp.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file; check the path"
        : code === "EISDIR"
          ? "is a directory; give a .jsonl, .json or .parquet file"
          : (e as Error).message;
    throw new Error(`data: ${file}: ${why}`);
  }
}

/** The text of a JSON / JSONL file; a binary file (Parquet, an archive, ...) or invalid UTF-8 is an error. */
function decodeText(file: string, buf: Buffer): string {
  if (buf.length >= 4 && buf.subarray(0, 4).toString("latin1") === "PAR1") {
    throw new Error(`data: ${file} is a Parquet file, not JSON text; rename it to .parquet`);
  }
  const nul = buf.subarray(0, 65536).indexOf(0);
  if (nul >= 0) throw new Error(`data: ${file} is binary, not JSON text (a zero byte at offset ${nul})`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    throw new Error(`data: ${file} is not UTF-8 text; save it as UTF-8 JSON Lines`);
  }
}

/** Read one local file into raw records. Bad JSON lines become issues; the read never stops halfway. */
export async function readRecords(file: string, format: FileFormat = formatOf(file)): Promise<RawRecords> {
  const buf = await readBytes(file);
  if (buf.length === 0) throw new Error(`data: ${file} is empty (0 bytes)`);
  if (format === "parquet") return readParquet(file, buf);
  const text = decodeText(file, buf);
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

/**
 * Parquet rows. A file that does not start and end with the `PAR1` magic, or that hyparquet cannot decode
 * (truncated, bit-flipped), is an error naming the file.
 */
async function readParquet(file: string, buf: Buffer): Promise<RawRecords> {
  const magic = (at: number) => buf.subarray(at, at + 4).toString("latin1") === "PAR1";
  if (buf.length < 12 || !magic(0) || !magic(buf.length - 4)) {
    const what =
      buf.length >= 4 && magic(0) ? "truncated (no PAR1 footer)" : "not a Parquet file (no PAR1 magic)";
    throw new Error(`data: ${file} is ${what}; re-download or re-export it`);
  }
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  let rows: Record<string, unknown>[];
  try {
    rows = await parquetReadObjects({ file: ab });
  } catch (e) {
    throw new Error(
      `data: ${file} is a corrupt Parquet file (${(e as Error).message}); re-download or re-export it`,
    );
  }
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

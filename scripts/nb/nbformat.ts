/**
 * The parts of nbformat 4 that the notebook runner reads and writes: cells, outputs, and the on-disk layout
 * Jupyter uses (multi-line strings as lists of lines, JSON mime types as objects, one-space indent).
 */
import { readFileSync, writeFileSync } from "node:fs";

/** A mime bundle as stored in a notebook (`text/*` values may be a list of lines). */
export type MimeData = Record<string, unknown>;

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: string | string[];
}
export interface DisplayOutput {
  output_type: "display_data";
  data: MimeData;
  metadata: Record<string, unknown>;
}
export interface ResultOutput {
  output_type: "execute_result";
  execution_count: number | null;
  data: MimeData;
  metadata: Record<string, unknown>;
}
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayOutput | ResultOutput | ErrorOutput;

export interface CodeCell {
  cell_type: "code";
  id?: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  execution_count: number | null;
  outputs: Output[];
}
export interface TextCell {
  cell_type: "markdown" | "raw";
  id?: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  attachments?: Record<string, MimeData>;
}
export type Cell = CodeCell | TextCell;

export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** A multi-line string field as one string. */
export function joinText(t: string | string[] | undefined | unknown): string {
  if (Array.isArray(t)) return t.join("");
  return typeof t === "string" ? t : "";
}

/** One string → the list-of-lines form Jupyter writes (each line keeps its "\n"). */
export function splitLines(s: string): string[] {
  const out = s.split(/(?<=\n)/);
  return out.length === 1 && out[0] === "" ? [] : out;
}

/** Mime types whose value is JSON (kept as an object), not text. */
export function isJsonMime(mime: string): boolean {
  return mime === "application/json" || /\+json$/.test(mime);
}

/** Read a notebook file (nbformat 4). */
export function readNotebook(file: string): Notebook {
  const nb = JSON.parse(readFileSync(file, "utf8")) as Notebook;
  if (nb.nbformat !== 4 || !Array.isArray(nb.cells)) {
    throw new Error(`${file}: not an nbformat 4 notebook`);
  }
  return nb;
}

function storeMime(data: MimeData): MimeData {
  const out: MimeData = {};
  for (const [mime, v] of Object.entries(data)) {
    // text and SVG as lines (as Jupyter writes them); base64 images and JSON as they are
    out[mime] =
      typeof v === "string" && (mime.startsWith("text/") || mime === "image/svg+xml") ? splitLines(v) : v;
  }
  return out;
}

/** A copy of a JSON value with every object's keys sorted (nbformat writes `sort_keys=True`). */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** The notebook as Jupyter lays it out on disk (sorted keys, lines as lists, one-space indent, final newline). */
export function serializeNotebook(nb: Notebook): string {
  const cells = nb.cells.map((c) => {
    const source = splitLines(joinText(c.source));
    if (c.cell_type !== "code") return { ...c, source };
    const outputs = c.outputs.map((o) => {
      if (o.output_type === "stream") return { ...o, text: splitLines(joinText(o.text)) };
      if (o.output_type === "display_data" || o.output_type === "execute_result") {
        return { ...o, data: storeMime(o.data) };
      }
      return o;
    });
    return { ...c, source, outputs };
  });
  return `${JSON.stringify(sortKeys({ ...nb, cells }), null, 1)}\n`;
}

/** Write a notebook file. */
export function writeNotebook(file: string, nb: Notebook): void {
  writeFileSync(file, serializeNotebook(nb));
}

/** The code cells' sources, in order. */
export function codeSources(nb: Notebook): string[] {
  return nb.cells.filter((c) => c.cell_type === "code").map((c) => joinText(c.source));
}

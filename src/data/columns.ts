/**
 * Column mappings: where each MathRow field is read from in a source record (dotted paths with index and
 * selector brackets), and the mapping of one raw record to a row or the issue that rejects it.
 */
import type { MathRow } from "./schema";

/**
 * Where each MathRow field is read from in a source record. A path is dot-separated keys with optional
 * index or selector brackets: `question`, `reward_model.ground_truth`, `prompt[-1].content`,
 * `prompt[role=user].content`, `final_answer[0]`. An array of paths means "first one present".
 * Fields not given are read from the column of the same name.
 */
export interface ColumnMapping {
  problem?: string | string[];
  answer?: string | string[];
  solution?: string | string[];
  level?: string | string[];
  source?: string | string[];
  id?: string | string[];
  /** When no answer column is present, use the last `\boxed{…}` of the solution (Minerva-Math on the hub). */
  answerFromBoxed?: boolean;
}

/**
 * verl-format rows (as Co-rewarding's open-rs parquet): `prompt` = [system, user] messages,
 * `reward_model.ground_truth`, `extra_info.{index,level}`.
 */
export const VERL_COLUMNS: ColumnMapping = {
  problem: "prompt[role=user].content",
  answer: "reward_model.ground_truth",
  level: "extra_info.level",
  id: "extra_info.index",
  solution: "solution",
};

/** knoveleng/OlympiadBench and the Qwen2.5-Math harness copy: the problem is in `question`. */
export const OLYMPIADBENCH_COLUMNS: ColumnMapping = {
  problem: ["problem", "question"],
  answer: ["answer", "final_answer[0]"],
  solution: ["solution", "solution[0]"],
};

type Segment = { key: string } | { index: number } | { where: [string, string] };

const cache = new Map<string, Segment[]>();

/** Parse a column path into segments; throws naming the path when it is malformed. */
export function parsePath(p: string): Segment[] {
  const hit = cache.get(p);
  if (hit) return hit;
  const segs: Segment[] = [];
  const re = /([^.[\]]+)|\[(-?\d+)\]|\[([^=\]]+)=([^\]]*)\]|(\.)/gy;
  let m: RegExpExecArray | null = re.exec(p);
  let consumed = 0;
  while (m !== null) {
    consumed = re.lastIndex;
    if (m[1] !== undefined) segs.push({ key: m[1] });
    else if (m[2] !== undefined) segs.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) segs.push({ where: [m[3], m[4]] });
    m = re.exec(p);
  }
  const wellFormed = /^[^.[\]]+(\[[^\]]+\]|\.[^.[\]]+)*$/.test(p);
  if (!wellFormed || consumed !== p.length || segs.length === 0)
    throw new Error(`column path "${p}" is malformed at char ${consumed}`);
  cache.set(p, segs);
  return segs;
}

/** Read a path from a record; `undefined` when any step is missing. */
export function getPath(record: unknown, p: string): unknown {
  let cur: unknown = record;
  for (const s of parsePath(p)) {
    if (cur === null || cur === undefined) return undefined;
    if ("key" in s) cur = (cur as Record<string, unknown>)[s.key];
    else if (!Array.isArray(cur)) return undefined;
    else if ("index" in s) cur = cur[s.index < 0 ? cur.length + s.index : s.index];
    else
      cur = cur.find(
        (x) =>
          x !== null &&
          typeof x === "object" &&
          String((x as Record<string, unknown>)[s.where[0]]) === s.where[1],
      );
  }
  return cur;
}

/** One problem with one source row. `row` is 1-based: the line number in JSONL, the row number otherwise. */
export interface RowIssue {
  file: string;
  row: number;
  /** The MathRow field at fault, or null for an unreadable line. */
  field: Field | null;
  message: string;
}

type Field = Exclude<keyof ColumnMapping, "answerFromBoxed">;

const FIELDS: Field[] = ["problem", "answer", "solution", "level", "source", "id"];
const REQUIRED = new Set<Field>(["problem", "answer"]);

function asPaths(v: string | string[] | undefined, field: string): string[] {
  return v === undefined ? [field] : Array.isArray(v) ? v : [v];
}

/** Top-level source columns a mapping consumes (dropped from the output so they cannot shadow MathRow fields). */
export function consumedColumns(mapping: ColumnMapping): Set<string> {
  const out = new Set<string>();
  for (const f of FIELDS) {
    for (const p of asPaths(mapping[f], f)) {
      const first = parsePath(p)[0];
      if ("key" in first) out.add(first.key);
    }
  }
  return out;
}

function toText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "bigint") return v.toString();
  return undefined;
}

/**
 * Map one source record to a MathRow. `problem` and `answer` must be non-empty text (numbers are
 * stringified: `27` → `"27"`); `level` keeps numbers; the other source columns pass through unless
 * consumed by the mapping. Returns the issues instead when a required field is missing.
 */
export function mapRecord(
  record: unknown,
  mapping: ColumnMapping,
  where: { file: string; row: number },
): MathRow | RowIssue[] {
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    return [
      {
        ...where,
        field: null,
        message: `expected a JSON object, got ${Array.isArray(record) ? "array" : typeof record}`,
      },
    ];
  }
  const out: Record<string, unknown> = {};
  const consumed = consumedColumns(mapping);
  for (const [k, v] of Object.entries(record))
    if (!consumed.has(k) && v !== null && v !== undefined) out[k] = v;
  const issues: RowIssue[] = [];
  for (const f of FIELDS) {
    const paths = asPaths(mapping[f], f);
    const raw = paths.map((p) => getPath(record, p)).find((v) => v !== undefined && v !== null);
    if (f === "level" && (typeof raw === "number" || typeof raw === "string")) out.level = raw;
    else if (raw !== undefined && f !== "level") {
      const text = toText(raw);
      if (text === undefined)
        issues.push({
          ...where,
          field: f,
          message: `${f} (${paths.join(" | ")}) is a ${typeof raw}, not text`,
        });
      else out[f] = text;
    }
    if (f === "answer" && out.answer === undefined && mapping.answerFromBoxed) {
      const sol = toText(getPath(record, asPaths(mapping.solution, "solution")[0]));
      const boxed = sol === undefined ? null : lastBoxed(sol);
      if (boxed !== null) out.answer = boxed;
    }
    if (REQUIRED.has(f) && (typeof out[f] !== "string" || (out[f] as string).trim() === "")) {
      if (!issues.some((i) => i.field === f)) {
        issues.push({
          ...where,
          field: f,
          message: `required field ${f} (read from ${paths.join(" | ")}) is missing or empty`,
        });
      }
    }
  }
  return issues.length > 0 ? issues : (out as MathRow);
}

/** Contents of the last `\boxed{…}` (or `\fbox{…}`) in a text, braces balanced; null when there is none. */
export function lastBoxed(text: string): string | null {
  const start = Math.max(text.lastIndexOf("\\boxed{"), text.lastIndexOf("\\fbox{"));
  if (start < 0) return null;
  const open = text.indexOf("{", start);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(open + 1, i);
  }
  return null;
}

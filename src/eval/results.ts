/** The results JSONL of an eval: one scored sample per line, keyed so that an interrupted eval resumes. */
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from "node:fs";
import * as path from "node:path";

/** One scored sample: a line of the results JSONL. */
export interface SampleRecord {
  /** Benchmark name. */
  benchmark: string;
  /** Problem id within the benchmark. */
  problemId: string;
  /** 0-based sample index within the problem (0..n−1). */
  sampleIndex: number;
  /** `protocolHash` of the sampling settings and model label. */
  hash: string;
  /** Protocol name (`paper`, `avg`, …). */
  protocol: string;
  /** Model label (directory or served model name). */
  model: string;
  /** Seed the sample was drawn with. */
  seed: number;
  /** Generated text. */
  completion: string;
  /** Extractive-match score. */
  correct: boolean;
  /** Why generation stopped: `stop` (EOS or stop string) or `length`. */
  finishReason: string;
  /** Completion length in tokens, when the runner knows it. */
  completionTokens?: number;
  /** Runner that produced it (`in-process`, `http`). */
  runner: string;
  /** ISO time the record was written. */
  time: string;
}

/** Resume key: benchmark, problem id, sample index, protocol hash. */
export function sampleKey(benchmark: string, problemId: string, sampleIndex: number, hash: string): string {
  return JSON.stringify([benchmark, problemId, sampleIndex, hash]);
}

/** Key of a record. */
export function recordKey(r: SampleRecord): string {
  return sampleKey(r.benchmark, r.problemId, r.sampleIndex, r.hash);
}

/**
 * An append-only results JSONL. Each record is written (one `appendFileSync`) as soon as it is scored, so a
 * killed run loses at most the line being written; `load` skips such a torn last line and the next append
 * starts on a fresh line.
 */
export class ResultsFile {
  /** Lines that could not be parsed at the last `load` (a torn write after a kill). */
  skippedLines = 0;

  constructor(readonly file: string) {}

  /** All records, keyed by `recordKey`; the last record wins for duplicate keys. */
  load(): Map<string, SampleRecord> {
    const out = new Map<string, SampleRecord>();
    this.skippedLines = 0;
    if (!existsSync(this.file)) return out;
    for (const line of readFileSync(this.file, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      try {
        const r = JSON.parse(line) as SampleRecord;
        out.set(recordKey(r), r);
      } catch {
        this.skippedLines++;
      }
    }
    return out;
  }

  /** Appends one record, first closing a torn last line if a previous run died mid-write. */
  append(r: SampleRecord): void {
    if (!existsSync(this.file)) mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
    const prefix = endsWithoutNewline(this.file) ? "\n" : "";
    appendFileSync(this.file, `${prefix}${JSON.stringify(r)}\n`);
  }
}

function endsWithoutNewline(file: string): boolean {
  if (!existsSync(file)) return false;
  const size = statSync(file).size;
  if (size === 0) return false;
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(1);
    readSync(fd, buf, 0, 1, size - 1);
    return buf[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}

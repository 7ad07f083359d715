/**
 * Dataset statistics as arquero tables for notebooks: rows per source and level, answer types, length
 * summaries and histograms, prompt lengths.
 */
import * as aq from "arquero";
import type { TokenizerLike } from "../tokenizer/types";
import type { ContaminationHit } from "./decontam";
import type { DuplicateReport } from "./dedup";
import { buildPrompts, type PromptOptions } from "./prompt";
import type { MathRow } from "./schema";

/** An arquero table (what notebooks render). */
export type Table = ReturnType<typeof aq.from>;

/** Rows per source and level, sorted. Missing values show as `"(none)"`. */
export function countsBySourceLevel(rows: readonly MathRow[]): Table {
  const data = rows.map((r) => ({
    source: r.source ?? "(none)",
    level: r.level === undefined ? "(none)" : String(r.level),
  }));
  return aq.from(data).groupby("source", "level").count().orderby("source", "level");
}

/**
 * A rough answer taxonomy for the statistics table: integer, decimal, fraction, scientific, tuple/interval,
 * latex expression, boolean/choice, or other text.
 */
export function answerType(answer: string): string {
  const a = answer
    .trim()
    .replace(/^\$+|\$+$/g, "")
    .trim();
  if (/^[-+]?\d+$/.test(a.replace(/,(?=\d{3}\b)/g, ""))) return "integer";
  if (/^[-+]?\d*\.\d+$/.test(a)) return "decimal";
  if (/^[-+]?\\[dt]?frac\{-?\d+\}\{\d+\}$|^[-+]?\d+\/\d+$/.test(a)) return "fraction";
  if (/^[-+]?\d*\.?\d+\s*(e[-+]?\d+|\\times\s*10\^)/i.test(a)) return "scientific";
  if (/^[([].*[)\]]$/.test(a) || /\),\s*\(/.test(a)) return "tuple/interval";
  if (/^(true|false|yes|no|none|\(?[a-e]\)?|\\text\{\(?[a-e]\)?\})$/i.test(a)) return "boolean/choice";
  if (/[\\^_{}=<>]|\d/.test(a)) return "latex expression";
  return "text";
}

/** Count of each {@link answerType}, most common first. */
export function answerTypes(rows: readonly MathRow[]): Table {
  return aq
    .from(rows.map((r) => ({ answer_type: answerType(r.answer) })))
    .groupby("answer_type")
    .count()
    .orderby(aq.desc("count"));
}

/** Summary numbers of a length list (tokens). */
export interface LengthSummary {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of a list. */
export function summarizeLengths(lengths: readonly number[]): LengthSummary {
  const s = [...lengths].sort((a, b) => a - b);
  const pct = (p: number) =>
    s.length === 0 ? Number.NaN : s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
  const mean = s.length === 0 ? Number.NaN : s.reduce((a, b) => a + b, 0) / s.length;
  return {
    count: s.length,
    mean,
    min: s[0] ?? Number.NaN,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: s[s.length - 1] ?? Number.NaN,
  };
}

/** Histogram with bins `[start, start + binWidth)`; empty bins between min and max included. */
export function lengthHistogram(lengths: readonly number[], binWidth = 32): Table {
  if (lengths.length === 0) return aq.from([]);
  const lo = Math.floor(Math.min(...lengths) / binWidth);
  const hi = Math.floor(Math.max(...lengths) / binWidth);
  const counts = new Array(hi - lo + 1).fill(0);
  for (const l of lengths) counts[Math.floor(l / binWidth) - lo]++;
  return aq.from(
    counts.map((count, i) => ({ bin_start: (lo + i) * binWidth, bin_end: (lo + i + 1) * binWidth, count })),
  );
}

/** Prompt lengths in tokens (chat template applied, before truncation), with summary, histogram and truncation count. */
export function promptLengthStats(
  rows: readonly MathRow[],
  tokenizer: TokenizerLike,
  opts: PromptOptions & { binWidth?: number } = {},
): { lengths: number[]; summary: LengthSummary; histogram: Table; truncatedCount: number } {
  const built = buildPrompts(rows, tokenizer, opts);
  const lengths = built.prompts.map((p) => p.fullLength);
  return {
    lengths,
    summary: summarizeLengths(lengths),
    histogram: lengthHistogram(lengths, opts.binWidth),
    truncatedCount: built.truncatedCount,
  };
}

/** One row per duplicate group: size, ids, distinct answers, conflict flag. */
export function duplicatesTable(report: DuplicateReport): Table {
  return aq.from(
    report.groups.map((g) => ({
      copies: g.indices.length,
      ids: g.ids.join(", "),
      answers: g.answers.join(" | "),
      conflicting: g.conflicting,
      problem: g.key.slice(0, 120),
    })),
  );
}

/** One row per contamination hit. */
export function contaminationTable(hits: readonly ContaminationHit[]): Table {
  return aq.from(
    hits.map((h) => ({
      row_id: h.rowId ?? `#${h.rowIndex}`,
      benchmark: h.benchmark,
      benchmark_id: h.benchmarkId ?? "",
      kind: h.kind,
      overlap: Math.round(h.overlap * 1000) / 1000,
      same_answer: h.sameAnswer,
    })),
  );
}

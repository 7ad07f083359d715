/**
 * Decontamination: drop training rows that share a word n-gram with a benchmark problem, with a report of
 * every hit.
 */
import { normalizeAnswer, normalizeText } from "./dedup";
import type { MathRow } from "./schema";

/** Word tokens for n-grams: lower case, runs of letters/digits (LaTeX punctuation and `$` drop out). */
export function words(s: string): string[] {
  return s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Distinct word n-grams of a text (one per window), joined by a space. */
export function ngrams(tokens: readonly string[], n: number): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + n <= tokens.length; i++) out.add(tokens.slice(i, i + n).join(" "));
  return out;
}

/** Decontamination settings. */
export interface DecontamOptions {
  /** Shingle size in words. Default 13 (the GPT-3 / Open LLM decontamination convention). */
  n?: number;
  /**
   * Minimum share of a benchmark item's n-grams found in a training row to call it a match (default 0.5).
   * Items shorter than `n` words can only match exactly.
   */
  minOverlap?: number;
}

/** One training row matching one benchmark item. */
export interface ContaminationHit {
  rowIndex: number;
  rowId: string | undefined;
  benchmark: string;
  benchmarkId: string | undefined;
  /** `exact`: same text after whitespace/case normalisation; `ngram`: overlap ≥ minOverlap. */
  kind: "exact" | "ngram";
  /** Share of the benchmark item's n-grams present in the row (1 for exact matches). */
  overlap: number;
  /** Whether the two gold answers agree (ignoring whitespace, case and `$`). */
  sameAnswer: boolean;
}

/** Result: the hits, and the rows with none. */
export interface DecontamResult {
  hits: ContaminationHit[];
  /** Row positions with at least one hit. */
  contaminated: number[];
  clean: MathRow[];
}

interface ItemRef {
  bench: string;
  item: MathRow;
  ngramCount: number;
}

/**
 * Compare training rows with benchmark items: exact match of normalised text, and word n-gram overlap
 * (every n-gram of every benchmark item is indexed; a row's n-grams are looked up and counted per item).
 */
export function decontaminate(
  rows: readonly MathRow[],
  benchmarks: Record<string, readonly MathRow[]>,
  opts: DecontamOptions = {},
): DecontamResult {
  const n = opts.n ?? 13;
  const minOverlap = opts.minOverlap ?? 0.5;
  const exact = new Map<string, ItemRef[]>();
  const index = new Map<string, ItemRef[]>();
  for (const [bench, items] of Object.entries(benchmarks)) {
    for (const item of items) {
      const grams = ngrams(words(item.problem), n);
      const ref: ItemRef = { bench, item, ngramCount: grams.size };
      push(exact, normalizeText(item.problem), ref);
      for (const g of grams) push(index, g, ref);
    }
  }
  const hits: ContaminationHit[] = [];
  rows.forEach((row, rowIndex) => {
    const found = new Map<ItemRef, ContaminationHit["kind"]>();
    for (const ref of exact.get(normalizeText(row.problem)) ?? []) found.set(ref, "exact");
    const counts = new Map<ItemRef, number>();
    for (const g of ngrams(words(row.problem), n))
      for (const ref of index.get(g) ?? []) counts.set(ref, (counts.get(ref) ?? 0) + 1);
    const overlapOf = new Map<ItemRef, number>();
    for (const [ref, c] of counts) {
      const overlap = c / ref.ngramCount;
      overlapOf.set(ref, overlap);
      if (overlap >= minOverlap && !found.has(ref)) found.set(ref, "ngram");
    }
    for (const [ref, kind] of found) {
      hits.push({
        rowIndex,
        rowId: row.id,
        benchmark: ref.bench,
        benchmarkId: ref.item.id,
        kind,
        overlap: kind === "exact" ? 1 : (overlapOf.get(ref) ?? 0),
        sameAnswer: answerKey(row.answer) === answerKey(ref.item.answer),
      });
    }
  });
  const contaminated = [...new Set(hits.map((h) => h.rowIndex))].sort((a, b) => a - b);
  const bad = new Set(contaminated);
  return { hits, contaminated, clean: rows.filter((_, i) => !bad.has(i)) };
}

/** Answer comparison for reports: whitespace, case and `$` delimiters ignored. */
function answerKey(a: string): string {
  return normalizeAnswer(a).replace(/\$/g, "");
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

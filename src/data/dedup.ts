/** De-duplication of rows by their normalised problem text, with a policy for duplicates whose answers disagree. */
import type { MathRow } from "./schema";

/** Whitespace runs → one space, trimmed, lower case. */
export function normalizeText(s: string): string {
  return s.replace(/\s+/g, " ").trim().toLowerCase();
}

/** Answers compare equal when they match with all whitespace removed, case-insensitively. */
export function normalizeAnswer(s: string): string {
  return s.replace(/\s+/g, "").toLowerCase();
}

/** Rows sharing one problem. */
export interface DuplicateGroup {
  /** The (normalised) problem text. */
  key: string;
  /** Row positions, in input order. */
  indices: number[];
  ids: Array<string | undefined>;
  /** Distinct answers in the group (by {@link normalizeAnswer}). */
  answers: string[];
  /** True when the copies disagree on the answer. */
  conflicting: boolean;
}

/** Duplicate summary. */
export interface DuplicateReport {
  mode: "exact" | "normalized";
  /** Groups with more than one row. */
  groups: DuplicateGroup[];
  /** Problems that appear more than once (= groups.length). */
  duplicatedProblems: number;
  /** Rows beyond the first of each group. */
  extraCopies: number;
  /** Groups whose answers differ. */
  conflicts: number;
}

/**
 * Find repeated problems: `exact` compares strings as they are, `normalized` after {@link normalizeText}.
 * A group conflicts when its answers differ after {@link normalizeAnswer}.
 */
export function findDuplicates(
  rows: readonly MathRow[],
  mode: "exact" | "normalized" = "normalized",
): DuplicateReport {
  const byKey = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const k = mode === "exact" ? r.problem : normalizeText(r.problem);
    const list = byKey.get(k);
    if (list) list.push(i);
    else byKey.set(k, [i]);
  });
  const groups: DuplicateGroup[] = [];
  for (const [key, indices] of byKey) {
    if (indices.length < 2) continue;
    const answers = [
      ...new Set(indices.map((i) => (mode === "exact" ? rows[i].answer : normalizeAnswer(rows[i].answer)))),
    ];
    groups.push({
      key,
      indices,
      ids: indices.map((i) => rows[i].id),
      answers,
      conflicting: answers.length > 1,
    });
  }
  return {
    mode,
    groups,
    duplicatedProblems: groups.length,
    extraCopies: groups.reduce((a, g) => a + g.indices.length - 1, 0),
    conflicts: groups.filter((g) => g.conflicting).length,
  };
}

/** What to do with duplicates. */
export type DedupPolicy = "keep-first" | "drop-conflicting" | "keep-all";

/**
 * Apply a policy: `keep-first` keeps the first row of every group; `drop-conflicting` does that for
 * agreeing groups and drops every row of a conflicting group (its gold is unreliable); `keep-all` changes
 * nothing (Open-RS trained on the data as is). Row order is preserved.
 */
export function dedupe(
  rows: readonly MathRow[],
  opts: { mode?: "exact" | "normalized"; policy?: DedupPolicy } = {},
): { rows: MathRow[]; report: DuplicateReport; dropped: number[] } {
  const report = findDuplicates(rows, opts.mode ?? "normalized");
  const policy = opts.policy ?? "keep-first";
  const drop = new Set<number>();
  if (policy !== "keep-all") {
    for (const g of report.groups) {
      const dropAll = policy === "drop-conflicting" && g.conflicting;
      g.indices.forEach((i, k) => {
        if (dropAll || k > 0) drop.add(i);
      });
    }
  }
  return {
    rows: rows.filter((_, i) => !drop.has(i)),
    report,
    dropped: [...drop].sort((a, b) => a - b),
  };
}

/** Seeded mixtures of datasets: slices by source and level, taken by count or by ratio, with a report. */
import { Rng } from "../util/rng";
import type { MathRow } from "./schema";

/** One slice of a mixture: rows of a source, optionally one level, taken by count or by ratio. */
export interface MixComponent {
  /** Label in the report; also the `source` of rows that have none. */
  name: string;
  rows: readonly MathRow[];
  /** Keep only rows with this level (or one of these). */
  level?: string | number | Array<string | number>;
  /** Exact number of rows to draw (without replacement). */
  count?: number;
  /** Share of `total` (components' ratios are normalised); needs `total`. */
  ratio?: number;
}

/** Mixture settings. */
export interface MixOptions {
  seed: number;
  /** Total size when components give ratios. */
  total?: number;
  /** Shuffle the final mixture (default true); otherwise components stay in order. */
  shuffle?: boolean;
}

/** Per-component accounting. */
export interface MixReportRow {
  name: string;
  level: string;
  available: number;
  taken: number;
}

/**
 * Draw a seeded mixture. Example, Open-RS Experiment 2 (knoveleng/open-rs): 3,000 hard rows of open-s1 +
 * 3,000 `Hard` + 1,000 `Easy` rows of open-deepscaler:
 * `mixDatasets([{name:"open-s1", rows:s1, count:3000}, {name:"open-deepscaler", rows:ds, level:"Hard", count:3000},
 * {name:"open-deepscaler", rows:ds, level:"Easy", count:1000}], {seed: 42})`.
 * Ratios become counts by largest remainder, so they sum to `total` exactly. Asking for more rows than a
 * component has throws, naming it.
 */
export function mixDatasets(
  components: readonly MixComponent[],
  opts: MixOptions,
): { rows: MathRow[]; report: MixReportRow[] } {
  const counts = componentCounts(components, opts.total);
  const rng = new Rng(opts.seed);
  const out: MathRow[] = [];
  const report: MixReportRow[] = [];
  components.forEach((c, i) => {
    const levels =
      c.level === undefined ? null : new Set((Array.isArray(c.level) ? c.level : [c.level]).map(String));
    const pool = levels
      ? c.rows.filter((r) => r.level !== undefined && levels.has(String(r.level)))
      : [...c.rows];
    const levelLabel = levels ? [...levels].join("|") : "*";
    if (counts[i] > pool.length) {
      throw new Error(
        `mixDatasets: component "${c.name}" level ${levelLabel} asks ${counts[i]} rows but has ${pool.length}`,
      );
    }
    const picked = rng
      .fork()
      .shuffle(pool.map((_, j) => j))
      .slice(0, counts[i]);
    for (const j of picked) out.push(pool[j].source === undefined ? { ...pool[j], source: c.name } : pool[j]);
    report.push({ name: c.name, level: levelLabel, available: pool.length, taken: counts[i] });
  });
  if (opts.shuffle ?? true) rng.shuffle(out);
  return { rows: out, report };
}

/** Counts per component: explicit counts, else ratios of `total` by largest remainder. */
export function componentCounts(components: readonly MixComponent[], total?: number): number[] {
  const ratios = components.map((c) => c.ratio);
  if (components.every((c) => c.count !== undefined)) {
    components.forEach((c) => {
      if (!Number.isInteger(c.count) || (c.count as number) < 0)
        throw new Error(`mixDatasets: "${c.name}" count ${c.count}`);
    });
    return components.map((c) => c.count as number);
  }
  if (components.some((c) => c.count !== undefined) || ratios.some((r) => r === undefined || !(r >= 0))) {
    throw new Error("mixDatasets: give every component a count, or every component a ratio ≥ 0 (with total)");
  }
  if (total === undefined || !Number.isInteger(total) || total < 0) {
    throw new Error(`mixDatasets: ratios need an integer total, got ${total}`);
  }
  const sum = (ratios as number[]).reduce((a, b) => a + b, 0);
  if (sum <= 0) throw new Error("mixDatasets: ratios sum to 0");
  const exact = (ratios as number[]).map((r) => (r / sum) * total);
  const floor = exact.map(Math.floor);
  let left = total - floor.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    floor[i]++;
  }
  return floor;
}

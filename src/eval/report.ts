/** Score tables: pass@1 per model, protocol and benchmark, and the paper's Table 1 beside ours. */
import * as aq from "arquero";
import type { EvalRun } from "./evaluate";

/** One row of the score table; percentages with one decimal, as the paper prints them. */
export interface ScoreRow {
  model: string;
  protocol: string;
  benchmark: string;
  problems: number;
  n: number;
  /** avg@n = pass@1, in percent. */
  "pass@1": number;
  /** Standard error of pass@1, in percent (ddof = 1 over per-problem means / √N; Average: √Σse² / B). */
  stderr: number;
  /** Further unbiased pass@k columns (k = 2, 4, …, n), in percent. */
  [passAtK: string]: string | number | null;
}

const pct = (x: number) => Math.round(x * 1000) / 10;

/**
 * Rows per (protocol, benchmark) plus an `Average` row per protocol: the unweighted mean over benchmarks (the
 * paper's Avg column), with standard error √(Σ seᵢ²) / B treating benchmarks as independent.
 */
export function scoreRows(runs: readonly EvalRun[]): ScoreRow[] {
  const ks = new Set<number>();
  for (const r of runs)
    for (const b of r.benchmarks) for (const k of Object.keys(b.score.passAt)) ks.add(Number(k));
  const extraKs = [...ks].filter((k) => k > 1).sort((a, b) => a - b);
  const rows: ScoreRow[] = [];
  for (const run of runs) {
    const proto = `${run.protocol.name} (T=${run.protocol.temperature}, top_p=${run.protocol.topP})`;
    for (const b of run.benchmarks) {
      const row: ScoreRow = {
        model: run.modelLabel,
        protocol: proto,
        benchmark: b.name,
        problems: b.score.problems,
        n: b.score.n,
        "pass@1": pct(b.score.avg),
        stderr: pct(b.score.stderr),
      };
      for (const k of extraKs)
        row[`pass@${k}`] = b.score.passAt[k] === undefined ? null : pct(b.score.passAt[k]);
      rows.push(row);
    }
    if (run.benchmarks.length > 1) {
      const B = run.benchmarks.length;
      const avg = run.benchmarks.reduce((s, b) => s + b.score.avg, 0) / B;
      const se = Math.sqrt(run.benchmarks.reduce((s, b) => s + b.score.stderr ** 2, 0)) / B;
      const row: ScoreRow = {
        model: run.modelLabel,
        protocol: proto,
        benchmark: "Average",
        problems: run.benchmarks.reduce((s, b) => s + b.score.problems, 0),
        n: Math.min(...run.benchmarks.map((b) => b.score.n)),
        "pass@1": pct(avg),
        stderr: pct(se),
      };
      for (const k of extraKs) row[`pass@${k}`] = null;
      rows.push(row);
    }
  }
  return rows;
}

/** The score table as an arquero table (render with `.toHTML()` / `.toMarkdown()` or the helpers below). */
export function scoreTable(runs: readonly EvalRun[]) {
  return aq.from(scoreRows(runs));
}

/** Markdown of the score table. */
export function scoreMarkdown(runs: readonly EvalRun[]): string {
  return scoreTable(runs).toMarkdown();
}

/** HTML of the score table. */
export function scoreHtml(runs: readonly EvalRun[]): string {
  return scoreTable(runs).toHTML();
}

/** Table 1 of the paper as reconstructed from its logs (docs/references.md, "Open-RS reported scores"), percent. */
export const PAPER_TABLE1: ReadonlyArray<{
  model: string;
  scores: Readonly<Record<string, number>>;
  protocol: string;
}> = Object.freeze([
  row("Open-RS1 (Exp1 step 100)", [30.0, 83.8, 70.0, 29.0, 52.4, 53.0], "n=1, T=0.6"),
  row("Open-RS2 (Exp2 step 50)", [30.0, 85.4, 80.0, 30.5, 52.4, 55.7], "n=1, T=0.6"),
  row("Open-RS3 (Exp3 step 50)", [46.7, 84.4, 72.5, 26.8, 51.3, 56.3], "n=1, T=0.6"),
  row(
    "DeepSeek-R1-Distill-Qwen-1.5B (baseline in paper)",
    [28.8, 82.8, 62.9, 26.5, 43.3, 48.9],
    "avg@16 (DeepScaleR's table)",
  ),
]);

function row(model: string, v: number[], protocol: string) {
  const [aime24, math500, amc23, minerva, olympiadbench, Average] = v;
  return Object.freeze({
    model,
    scores: Object.freeze({ aime24, math500, amc23, minerva, olympiadbench, Average }),
    protocol,
  });
}

const COLS = ["aime24", "math500", "amc23", "minerva", "olympiadbench", "Average"];
const HEAD = ["AIME24", "MATH-500", "AMC23", "Minerva", "OlympiadBench", "Avg"];

/**
 * A markdown block comparing our pass@1 with the paper's Table 1, cited as reported, with the protocol caveat:
 * the Open-RS rows are one sample per problem, the R1-Distill baseline row is DeepScaleR's avg@16.
 */
export function paperComparison(runs: readonly EvalRun[]): string {
  const lines = [
    "### Comparison with Open-RS Table 1 (pass@1, %)",
    "",
    `| Model | ${HEAD.join(" | ")} | Protocol |`,
    `|---|${HEAD.map(() => "---").join("|")}|---|`,
  ];
  for (const p of PAPER_TABLE1) {
    lines.push(
      `| ${p.model}, as reported | ${COLS.map((c) => p.scores[c].toFixed(1)).join(" | ")} | ${p.protocol} |`,
    );
  }
  for (const r of scoreRowsByRun(runs)) {
    const cells = COLS.map((c) =>
      r.scores[c] === undefined ? "–" : `${r.scores[c].toFixed(1)} ± ${r.se[c].toFixed(1)}`,
    );
    lines.push(`| ${r.model} (this run) | ${cells.join(" | ")} | ${r.protocol} |`);
  }
  lines.push(
    "",
    "Paper values are copied as reported (reconstructed from the Open-RS logs, open-rs @2889c47 logs/overall). The Open-RS rows",
    "are a single sample per problem at T = 0.6 (so AIME24's 30 problems move 3.3 points per problem, and ±9.3",
    "stderr on 46.7); the R1-Distill-1.5B baseline row was copied from DeepScaleR's table, which averages 16",
    "samples (avg@16): the two protocols differ (open-rs#10). DeepScaleR-1.5B-Preview's own scores are not in our",
    "reference material and are not shown. Our Avg is the unweighted mean over the benchmarks that were run.",
  );
  return lines.join("\n");
}

function scoreRowsByRun(runs: readonly EvalRun[]) {
  return runs.map((run) => {
    const scores: Record<string, number> = {};
    const se: Record<string, number> = {};
    for (const r of scoreRows([run])) {
      scores[r.benchmark] = r["pass@1"];
      se[r.benchmark] = r.stderr;
    }
    const proto =
      run.protocol.n === 1
        ? `n=1, T=${run.protocol.temperature}`
        : `avg@${run.protocol.n}, T=${run.protocol.temperature}`;
    return { model: run.modelLabel, protocol: proto, scores, se };
  });
}

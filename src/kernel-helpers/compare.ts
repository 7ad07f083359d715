/**
 * Compare training runs from their output folders: reward, length, KL and clip-ratio curves overlaid; the
 * config keys whose values differ; and pass@1 per eval set with the paired difference (± its standard error
 * over the same problems) between two runs' evaluated checkpoints. Reads what the trainer, the notebooks and
 * the scripts write: `metrics.jsonl`, `checkpoint-*\/trainer_state.json` (the config) and
 * `eval-<set>-step<N>.jsonl` (one scored sample per line: id, sample, correct).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import * as aq from "arquero";
import { latestCheckpoint } from "../grpo/checkpoint";
import { type GrpoConfig, upgradeSavedConfig } from "../grpo/config";
import { readJsonl } from "../io/jsonl";
import { pairedDelta } from "../quickstart/eval";
import { type MetricsRow, panelAxis } from "./charts";
import { display, escapeHtml } from "./display";
import { displayMarkdown, showTable } from "./notebook";
import { type Figure, showFigure } from "./plotly";
import { TABLE_STYLE } from "./tables";
import { describeDelta } from "./workflow";

/** A run to compare: its folder, and the label to show (default: the folder's name). */
export type RunRef = string | { dir: string; label?: string };

/** One run as read from disk. */
export interface LoadedRun {
  label: string;
  dir: string;
  /** The last training in metrics.jsonl (a re-run that appended to the file starts again at its first step). */
  metrics: MetricsRow[];
  /** The config of the newest checkpoint (with live updates applied), or null when the run saved none. */
  config: Record<string, unknown> | null;
  /** Eval results per set key: step → problem id → fraction correct. */
  evals: Record<string, Map<number, Map<string, number>>>;
}

/** A config key whose value is not the same in every run. */
export interface ConfigDifference {
  key: string;
  /** One value per run, in order (undefined where a run's config is unknown or lacks the key). */
  values: unknown[];
}

/** pass@1 of one eval set in every run, and the paired difference of each run against the first. */
export interface PassAtOneComparison {
  set: string;
  /** Per run: the evaluated step used, avg over problems, its stderr, problems; null when the run has none. */
  runs: Array<{ step: number; pass1: number; stderr: number; problems: number } | null>;
  /** Per run (index ≥ 1) against run 0, over the problems both evaluated; null when fewer than 2 are shared. */
  deltas: Array<{ delta: number; stderr: number; problems: number } | null>;
}

/** Everything {@link compareRuns} shows. */
export interface RunComparison {
  runs: LoadedRun[];
  configDiff: ConfigDifference[];
  passAtOne: PassAtOneComparison[];
  figure: Figure;
}

/** Options of {@link compareRuns}. */
export interface CompareOptions {
  /** Which evaluated step of each run to compare: the last (default) or a step number. */
  step?: "last" | number;
  /** Config keys never worth listing (default: output_dir, logging_dir). */
  ignoreKeys?: readonly string[];
}

/** A run's JSONL file, or nothing when it is not there; a torn line after a kill is left out. */
const runJsonl = (file: string): Record<string, unknown>[] =>
  existsSync(file) ? readJsonl(file, { skipInvalid: true }) : [];

/** The last training in a metrics file: rows after the last point where the step did not increase. */
export function lastTraining(rows: readonly MetricsRow[]): MetricsRow[] {
  let start = 0;
  for (let i = 1; i < rows.length; i++) if (rows[i].step <= rows[i - 1].step) start = i;
  return rows.slice(start);
}

/** Read one run folder. Throws, naming the folder, when it holds no metrics.jsonl. */
export function loadRun(ref: RunRef): LoadedRun {
  const dir = typeof ref === "string" ? ref : ref.dir;
  const label = (typeof ref === "string" ? undefined : ref.label) ?? basename(dir);
  const metricsFile = join(dir, "metrics.jsonl");
  if (!existsSync(metricsFile)) {
    throw new Error(`compareRuns: ${metricsFile} not found; pass the output_dir of a GRPO run`);
  }
  const metrics = lastTraining(runJsonl(metricsFile) as MetricsRow[]);
  const ckpt = latestCheckpoint(dir);
  let config: Record<string, unknown> | null = null;
  if (ckpt) {
    const state = JSON.parse(readFileSync(join(ckpt, "trainer_state.json"), "utf8")) as { config?: unknown };
    if (state.config && typeof state.config === "object")
      config = upgradeSavedConfig(state.config as GrpoConfig) as unknown as Record<string, unknown>;
  }
  const evals: LoadedRun["evals"] = {};
  for (const f of readdirSync(dir)) {
    const m = /^eval-(.+)-step(\d+)\.jsonl$/.exec(f);
    if (!m) continue;
    const [, set, step] = m;
    const tallies = new Map<string, { c: number; n: number }>();
    for (const r of runJsonl(join(dir, f))) {
      const id = String(r.id ?? r.problemId);
      const t = tallies.get(id) ?? { c: 0, n: 0 };
      t.n++;
      if (r.correct === true) t.c++;
      tallies.set(id, t);
    }
    const perProblem = new Map([...tallies].map(([id, t]) => [id, t.c / t.n]));
    evals[set] ??= new Map();
    evals[set].set(Number(step), perProblem);
  }
  return { label, dir, metrics, config, evals };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Config keys whose values differ across runs (sorted by key). */
export function configDifferences(
  configs: ReadonlyArray<Record<string, unknown> | null>,
  ignore: readonly string[] = ["output_dir", "logging_dir"],
): ConfigDifference[] {
  const keys = new Set(configs.flatMap((c) => Object.keys(c ?? {})));
  const out: ConfigDifference[] = [];
  for (const key of [...keys].sort()) {
    if (ignore.includes(key)) continue;
    const values = configs.map((c) => c?.[key]);
    if (values.some((v) => !same(v, values[0]))) out.push({ key, values });
  }
  return out;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function stderrOf(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const mu = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - mu) ** 2, 0) / (xs.length - 1)) / Math.sqrt(xs.length);
}

/** pass@1 per set and the paired differences against the first run. */
export function comparePassAtOne(
  runs: readonly LoadedRun[],
  step: "last" | number = "last",
): PassAtOneComparison[] {
  const sets = [...new Set(runs.flatMap((r) => Object.keys(r.evals)))].sort();
  return sets.map((set) => {
    const picked = runs.map((r) => {
      const bySteps = r.evals[set];
      if (!bySteps || bySteps.size === 0) return null;
      const s = step === "last" ? Math.max(...bySteps.keys()) : step;
      const perProblem = bySteps.get(s);
      return perProblem ? { step: s, perProblem } : null;
    });
    const summary = picked.map((p) => {
      if (!p) return null;
      const v = [...p.perProblem.values()];
      return { step: p.step, pass1: mean(v), stderr: stderrOf(v), problems: v.length };
    });
    const base = picked[0];
    const deltas = picked.map((p, i) => {
      if (i === 0 || !p || !base) return null;
      const ids = [...base.perProblem.keys()].filter((id) => p.perProblem.has(id));
      if (ids.length < 2) return null;
      const d = pairedDelta(
        ids.map((id) => base.perProblem.get(id)!),
        ids.map((id) => p.perProblem.get(id)!),
      );
      return { ...d, problems: ids.length };
    });
    return { set, runs: summary, deltas };
  });
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

/** Reward, mean length, KL and clip ratio of every run, one panel each, one colour per run. */
export function comparisonFigure(runs: readonly LoadedRun[]): Figure {
  const panels: Array<[string, string]> = [
    ["reward", "reward"],
    ["completions/mean_length", "mean length (tokens)"],
    ["kl", "KL"],
    ["clip_ratio/region_mean", "clip ratio"],
  ];
  const data: Figure["data"] = [];
  runs.forEach((run, r) => {
    panels.forEach(([key], p) => {
      const x: number[] = [];
      const y: Array<number | null> = [];
      for (const row of run.metrics) {
        const v = row[key];
        x.push(row.step);
        y.push(typeof v === "number" && Number.isFinite(v) ? v : null);
      }
      data.push({
        type: "scatter",
        mode: "lines",
        name: run.label,
        legendgroup: run.label,
        showlegend: p === 0,
        x,
        y,
        xaxis: p === 0 ? "x" : `x${p + 1}`,
        yaxis: p === 0 ? "y" : `y${p + 1}`,
        line: { color: PALETTE[r % PALETTE.length], width: 2 },
      });
    });
  });
  const layout: Record<string, unknown> = {
    title: `Runs compared: ${runs.map((r) => r.label).join(" · ")}`,
    height: 560,
    grid: { rows: 2, columns: 2, pattern: "independent" },
    legend: { orientation: "h", y: -0.12 },
  };
  const annotations: Array<Record<string, unknown>> = [];
  panels.forEach(([key, name], p) => {
    const sfx = p === 0 ? "" : String(p + 1);
    layout[`xaxis${sfx}`] = { title: "step" };
    const values = data
      .filter((t) => t.yaxis === (p === 0 ? "y" : `y${p + 1}`))
      .flatMap((t) => t.y as Array<number | null>);
    const { axis, note } = panelAxis(key, name, values, { x: sfx, y: sfx });
    layout[`yaxis${sfx}`] = axis;
    if (note) annotations.push(note);
  });
  layout.annotations = annotations;
  return { data, layout };
}

const fmtValue = (v: unknown) =>
  v === undefined || v === null ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v);
const pct = (x: number) => (100 * x).toFixed(1);

/** Read the runs and compute everything (nothing is shown). */
export function compareRunData(refs: readonly RunRef[], opts: CompareOptions = {}): RunComparison {
  if (refs.length < 2) throw new Error(`compareRuns: give at least two run folders, got ${refs.length}`);
  const runs = refs.map(loadRun);
  return {
    runs,
    configDiff: configDifferences(
      runs.map((r) => r.config),
      opts.ignoreKeys,
    ),
    passAtOne: comparePassAtOne(runs, opts.step ?? "last"),
    figure: comparisonFigure(runs),
  };
}

/**
 * Compare runs in the notebook: the overlaid curves, the config keys that differ, and pass@1 per eval set
 * with the paired Δ of each run against the first. Returns the numbers shown.
 *
 * @example compareRuns(["reports/runs/01-experiment-1", "reports/runs/02-experiment-2"])
 */
export function compareRuns(refs: readonly RunRef[], opts: CompareOptions = {}): RunComparison {
  const cmp = compareRunData(refs, opts);
  const labels = cmp.runs.map((r) => r.label);
  showFigure(cmp.figure);
  const unknown = cmp.runs.filter((r) => r.config === null).map((r) => r.label);
  if (cmp.configDiff.length) {
    const rows = cmp.configDiff.map((d) => ({
      key: d.key,
      ...Object.fromEntries(d.values.map((v, i) => [labels[i], fmtValue(v)])),
    }));
    showTable(
      aq.from(rows),
      "config keys that differ (the newest checkpoint's config, live updates included)",
    );
  } else {
    displayMarkdown("The runs' configs are identical (output_dir aside).");
  }
  if (unknown.length) {
    displayMarkdown(`No checkpoint, so no config, in: ${unknown.map((l) => `\`${l}\``).join(", ")}.`);
  }
  if (cmp.passAtOne.length === 0) {
    displayMarkdown(
      "No eval results (`eval-<set>-step<N>.jsonl`) in these runs: evaluate checkpoints first.",
    );
    return cmp;
  }
  const head = [
    "eval set",
    ...labels.map((l) => `${l} (%)`),
    ...labels.slice(1).map((l) => `Δ ${l} − ${labels[0]}`),
  ];
  const body = cmp.passAtOne.map((p) => [
    p.set,
    ...p.runs.map((r) => (r ? `${pct(r.pass1)} ± ${pct(r.stderr)} (step ${r.step}, ${r.problems})` : "—")),
    ...p.deltas
      .slice(1)
      .map((d) =>
        d
          ? `${d.delta >= 0 ? "+" : "−"}${pct(Math.abs(d.delta))} ± ${pct(d.stderr)} (${d.problems} paired)`
          : "—",
      ),
  ]);
  const html =
    `${TABLE_STYLE}<div class="open-rs-table open-rs-compare"><p><b>pass@1 per eval set (the last evaluated checkpoint of each run; ` +
    `Δ paired over the same problems, ± its standard error)</b></p><table><thead><tr>` +
    head.map((h) => `<th>${escapeHtml(h)}</th>`).join("") +
    `</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("")}</tbody></table></div>`;
  const md = [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...body.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
  display({ "text/html": html, "text/markdown": md, "text/plain": md });
  const verdicts = cmp.passAtOne.flatMap((p) =>
    p.deltas
      .slice(1)
      .flatMap((d, i) =>
        d ? [`- **${p.set}**, ${labels[i + 1]} vs ${labels[0]}: ${describeDelta(d)}.`] : [],
      ),
  );
  if (verdicts.length) displayMarkdown(verdicts.join("\n"));
  return cmp;
}

/**
 * Training charts as pure functions: metrics rows (TRL names, one per step) in, plotly figures out.
 * Each takes the `updates` made through `run.update()` and marks them as dashed vertical lines.
 */
import type { Figure } from "./plotly";

/** One metrics.jsonl line: `step` plus TRL-named numbers. */
export type MetricsRow = { step: number } & Record<string, unknown>;

/** A live change made with `run.update()`, shown as a marker at its step. */
export interface UpdateMarker {
  step: number;
  changes: Record<string, unknown>;
}

function series(rows: MetricsRow[], key: string): { x: number[]; y: Array<number | null> } {
  const x: number[] = [];
  const y: Array<number | null> = [];
  for (const r of rows) {
    x.push(r.step);
    const v = r[key];
    y.push(typeof v === "number" && Number.isFinite(v) ? v : null);
  }
  return { x, y };
}

/** Trailing rolling mean over `window` points, skipping nulls. */
export function rollingMean(values: Array<number | null>, window: number): Array<number | null> {
  return values.map((_, i) => {
    const slice = values.slice(Math.max(0, i - window + 1), i + 1).filter((v): v is number => v !== null);
    return slice.length ? slice.reduce((a, b) => a + b, 0) / slice.length : null;
  });
}

function line(rows: MetricsRow[], key: string, name: string, extra: Record<string, unknown> = {}) {
  return { type: "scatter", mode: "lines", name, ...series(rows, key), ...extra };
}

function markerShapes(updates: UpdateMarker[]) {
  const shapes = updates.map((u) => ({
    type: "line",
    xref: "x",
    yref: "paper",
    x0: u.step,
    x1: u.step,
    y0: 0,
    y1: 1,
    line: { dash: "dot", width: 1, color: "#8a2be2" },
  }));
  const annotations = updates.map((u) => ({
    x: u.step,
    y: 1,
    xref: "x",
    yref: "paper",
    yanchor: "bottom",
    showarrow: false,
    font: { size: 10, color: "#8a2be2" },
    text: Object.entries(u.changes)
      .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
      .join(", "),
  }));
  return { shapes, annotations };
}

/** Names of per-function reward series present in the rows (`rewards/<fn>/mean`). */
export function rewardFunctionNames(rows: MetricsRow[]): string[] {
  const names = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r)) {
      const m = /^rewards\/(.+)\/mean$/.exec(k);
      if (m) names.add(m[1]);
    }
  }
  return [...names].sort();
}

/** Total reward, its rolling mean, and each reward function's mean. */
export function rewardFigure(
  rows: MetricsRow[],
  opts: { window?: number; updates?: UpdateMarker[] } = {},
): Figure {
  const window = opts.window ?? 10;
  const total = series(rows, "reward");
  const data: Figure["data"] = [
    { type: "scatter", mode: "lines", name: "reward", ...total, line: { width: 1, color: "#9ecae1" } },
    {
      type: "scatter",
      mode: "lines",
      name: `reward (rolling ${window})`,
      x: total.x,
      y: rollingMean(total.y, window),
      line: { width: 3, color: "#08519c" },
    },
  ];
  for (const fn of rewardFunctionNames(rows)) data.push(line(rows, `rewards/${fn}/mean`, fn));
  return {
    data,
    layout: {
      title: "Reward",
      xaxis: { title: "step" },
      yaxis: { title: "reward" },
      ...markerShapes(opts.updates ?? []),
    },
  };
}

/**
 * A y-axis range for a series whose values are all equal, centred on the value with ±50% (±1 at 0, from 0
 * up for a count that never left 0): plotly's own range for a flat line is ±1 around it, which draws a
 * learning rate of 1e-4 as a line at 0. Undefined for a series that varies (plotly picks) or has no values.
 */
export function constantRange(values: ReadonlyArray<number | null>, opts: { nonNegative?: boolean } = {}) {
  const vs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (vs.length === 0) return undefined;
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  if (hi - lo > Math.abs(hi) * 1e-9) return undefined;
  if (lo === 0) return opts.nonNegative ? [0, 1] : [-1, 1];
  const pad = Math.abs(lo) / 2;
  return [lo - pad, lo + pad];
}

/**
 * A note in the middle of one panel, e.g. why the panel is empty: `x` and `y` name the panel's axes ("" for
 * the first, "2", "3", …; stacked panels share one x axis).
 */
function panelNote(text: string, x: string, y: string) {
  return {
    text,
    xref: `x${x} domain`,
    yref: `y${y} domain`,
    x: 0.5,
    y: 0.5,
    showarrow: false,
    font: { size: 11, color: "#666" },
    bgcolor: "rgba(255,255,255,0.8)",
  };
}

/** Completion length dynamics: mean/min/max tokens, clipped ratio, and the cap as a line. */
export function lengthFigure(
  rows: MetricsRow[],
  opts: { maxCompletionLength?: number; updates?: UpdateMarker[] } = {},
): Figure {
  const data: Figure["data"] = [
    line(rows, "completions/max_length", "max length", { line: { width: 1, color: "#fdae6b" } }),
    line(rows, "completions/mean_length", "mean length", { line: { width: 3, color: "#e6550d" } }),
    line(rows, "completions/min_length", "min length", { line: { width: 1, color: "#fdd0a2" } }),
    line(rows, "completions/clipped_ratio", "clipped ratio (right axis)", {
      yaxis: "y2",
      line: { dash: "dash", color: "#636363" },
    }),
  ];
  const markers = markerShapes(opts.updates ?? []);
  if (opts.maxCompletionLength !== undefined) {
    const xs = rows.map((r) => r.step);
    data.push({
      type: "scatter",
      mode: "lines",
      name: "max_completion_length",
      x: xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1],
      y: [opts.maxCompletionLength, opts.maxCompletionLength],
      line: { dash: "dot", color: "#cb181d" },
    });
  }
  return {
    data,
    layout: {
      title: "Completion length (tokens)",
      // room on the right for the clipped-ratio ticks and, beside them, its title
      margin: { l: 60, r: 75, t: 50, b: 45 },
      xaxis: { title: "step" },
      yaxis: { title: "tokens", rangemode: "tozero" },
      yaxis2: {
        title: { text: "clipped ratio", standoff: 12 },
        overlaying: "y",
        side: "right",
        range: [0, 1],
        tickmode: "linear",
        tick0: 0,
        dtick: 0.25,
        tickformat: ".0%",
        showgrid: false,
        automargin: true,
      },
      ...markers,
    },
  };
}

/** Why a training panel can be empty or flat, for the note drawn in it. */
const PANEL_NOTES: Record<string, { empty: string; zero?: string }> = {
  kl: { empty: "no KL logged: β = 0,<br>so there is no reference model (TRL's default)" },
  "clip_ratio/region_mean": {
    empty: "no clip ratio logged",
    zero: "0 at every step: one update per rollout (num_iterations = 1),<br>so the policy ratio is 1 and nothing is clipped",
  },
};

/**
 * The y axis of a panel showing `key` (values of one or more series), and the note it needs: an empty panel
 * says why and hides its ticks; a flat one gets an axis around its value; an always-zero clip ratio says why.
 * `axes` names the panel's x and y axes ("" for the first, "2", …).
 */
export function panelAxis(
  key: string,
  title: string,
  values: ReadonlyArray<number | null>,
  axes: { x: string; y: string },
): { axis: Record<string, unknown>; note: Record<string, unknown> | null } {
  const out: Record<string, unknown> = { title };
  if (key === "learning_rate") out.exponentformat = "e";
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const notes = PANEL_NOTES[key];
  if (finite.length === 0) {
    Object.assign(out, { range: [0, 1], showticklabels: false, zeroline: false });
    return { axis: out, note: panelNote(notes?.empty ?? `no ${title} logged`, axes.x, axes.y) };
  }
  const range = constantRange(values, { nonNegative: key !== "entropy" && key !== "kl" && key !== "reward" });
  if (range) out.range = range;
  const zero = notes?.zero && finite.every((v) => v === 0);
  return { axis: out, note: zero ? panelNote(notes.zero!, axes.x, axes.y) : null };
}

/**
 * KL, clip ratio, learning rate and entropy, in four stacked panels. A flat series gets an axis around its
 * value (a constant learning rate reads as its value, not 0), and an empty or always-zero panel says why.
 */
export function trainingFigure(rows: MetricsRow[], opts: { updates?: UpdateMarker[] } = {}): Figure {
  const panels: Array<[string, string]> = [
    ["kl", "KL"],
    ["clip_ratio/region_mean", "clip ratio"],
    ["learning_rate", "learning rate"],
    ["entropy", "entropy"],
  ];
  const data = panels.map(([key, name], i) =>
    line(rows, key, name, { xaxis: "x", yaxis: i === 0 ? "y" : `y${i + 1}` }),
  );
  const markers = markerShapes(opts.updates ?? []);
  const annotations: Array<Record<string, unknown>> = [...markers.annotations];
  const layout: Record<string, unknown> = {
    title: "KL, clip ratio, learning rate, entropy",
    height: 600,
    grid: { rows: 4, columns: 1, pattern: "coupled", ygap: 0.25 },
    xaxis: { title: "step" },
    shapes: markers.shapes,
  };
  panels.forEach(([key, name], i) => {
    const sfx = i === 0 ? "" : String(i + 1);
    const { axis, note } = panelAxis(key, name, series(rows, key).y, { x: "", y: sfx });
    layout[`yaxis${sfx}`] = axis;
    if (note) annotations.push(note);
  });
  layout.annotations = annotations;
  return { data, layout };
}

/** Where each step's time goes: rollout (generation + rewards) vs training (log-probs + backward). */
export function stepTimeFigure(rows: MetricsRow[]): Figure {
  return {
    data: [
      { type: "bar", name: "rollout", ...series(rows, "perf/rollout_time") },
      { type: "bar", name: "train", ...series(rows, "perf/train_time") },
    ],
    layout: {
      title: "Step time split (s)",
      barmode: "stack",
      xaxis: { title: "step" },
      yaxis: { title: "seconds" },
    },
  };
}

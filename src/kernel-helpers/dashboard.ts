/**
 * A live training dashboard bound to a run handle: reward, completion-length and KL/LR/entropy charts that
 * redraw in place every `every` steps while the run trains in the background (the kernel stays free for
 * other cells), with `run.update()` changes drawn as markers. Its status line follows the run (paused,
 * stopping, finished) and turns red with the cause when the run fails, in the cell that holds it.
 */

import { lengthFigure, type MetricsRow, rewardFigure, trainingFigure, type UpdateMarker } from "./charts";
import { currentSink, type DisplaySink, escapeHtml, LiveDisplay } from "./display";
import { LivePlot } from "./plotly";

/** Config fields the dashboard reads (the run's live config). */
export interface DashboardConfig {
  max_completion_length?: number;
  max_steps?: number;
}

/**
 * What the dashboard needs from a run: its metrics so far and a `step` event. A GRPO run handle (`train()`)
 * fits as it is: `on` returns an unsubscribe function, live updates are read from each row's `updates`, and
 * the live config from `trainer.config`.
 */
export interface DashboardSource {
  readonly metrics: readonly MetricsRow[];
  /** Live updates; default: taken from the rows' `updates` field (where `run.update()` logs them). */
  readonly updates?: readonly UpdateMarker[];
  on(event: "step", listener: (row: MetricsRow) => void): unknown;
  off?(event: "step", listener: (row: MetricsRow) => void): unknown;
  /** Status changes and failures, when the source reports them (a run handle does). */
  readonly status?: string;
  readonly error?: Error | null;
  /** Current max_completion_length (a line on the length chart) and max_steps. */
  readonly config?: DashboardConfig;
  readonly trainer?: { readonly config: DashboardConfig; readonly totalSteps?: number };
}

/** Update markers of a run: its own list, else the `updates` recorded on its metrics rows. */
export function updateMarkers(run: Pick<DashboardSource, "metrics" | "updates">): UpdateMarker[] {
  if (run.updates) return [...run.updates];
  return run.metrics
    .filter((r) => typeof r.updates === "object" && r.updates !== null)
    .map((r) => ({ step: r.step, changes: r.updates as Record<string, unknown> }));
}

/** Resolves once the run has completed `step` steps (at once if it already has). */
export function waitForStep(run: Pick<DashboardSource, "metrics" | "on">, step: number): Promise<void> {
  const last = run.metrics[run.metrics.length - 1];
  if (last && last.step >= step) return Promise.resolve();
  return new Promise((resolve) => {
    let off: unknown;
    const listener = (row: MetricsRow) => {
      if (row.step < step) return;
      if (typeof off === "function") off();
      resolve();
    };
    off = run.on("step", listener);
  });
}

export interface DashboardOptions {
  /** Redraw every N steps. Default 1. */
  every?: number;
  /** Rolling-mean window for the reward chart. Default 10. */
  window?: number;
  sink?: DisplaySink;
}

export class Dashboard {
  private readonly reward: LivePlot;
  private readonly length: LivePlot;
  private readonly training: LivePlot;
  private readonly status: LiveDisplay;
  private readonly listener: (row: MetricsRow) => void;
  private unsubscribe: unknown;
  private readonly extra: Array<() => void> = [];
  /** Number of redraws so far (each redraw updates every chart in place). */
  redraws = 0;

  constructor(
    private readonly run: DashboardSource,
    private readonly opts: DashboardOptions = {},
  ) {
    const sink = opts.sink ?? currentSink();
    this.status = new LiveDisplay(sink);
    this.reward = new LivePlot(sink);
    this.length = new LivePlot(sink);
    this.training = new LivePlot(sink);
    const every = Math.max(1, opts.every ?? 1);
    this.listener = (row) => {
      if (row.step % every === 0) this.redraw();
    };
    this.unsubscribe = run.on("step", this.listener);
    const on = run.on as unknown as (event: string, fn: (p: unknown) => void) => unknown;
    for (const event of ["status", "error"]) {
      const off = on.call(run, event, () => this.drawStatus());
      if (typeof off === "function") this.extra.push(off as () => void);
    }
    this.redraw();
  }

  /** The status line: step, latest numbers, the run's state; red with the cause when the run failed. */
  private drawStatus(): void {
    const rows = this.run.metrics;
    const last = rows[rows.length - 1];
    const updates = updateMarkers(this.run);
    const config = this.run.config ?? this.run.trainer?.config ?? {};
    const maxSteps =
      this.run.trainer?.totalSteps ??
      (config.max_steps && config.max_steps > 0 ? config.max_steps : undefined);
    const fmt = (k: string) => {
      const v = last?.[k];
      if (typeof v !== "number" || !Number.isFinite(v)) return "–";
      return v !== 0 && Math.abs(v) < 1e-2 ? v.toExponential(2) : v.toFixed(3);
    };
    const state = this.run.status;
    const failed = state === "failed";
    const stateText = state && state !== "running" ? ` · ${state}` : "";
    const numbers = `step ${last?.step ?? 0}${maxSteps ? ` / ${maxSteps}` : ""}${stateText} · reward ${fmt("reward")} · mean length ${fmt("completions/mean_length")} · KL ${fmt("kl")} · lr ${fmt("learning_rate")}${updates.length ? ` · ${updates.length} live update(s)` : ""}`;
    const cause = failed ? (this.run.error?.message ?? "unknown error") : "";
    const html = failed
      ? `<div class="open-rs-run-failed" style="font:13px system-ui;color:#b00020;border-left:4px solid #b00020;padding:2px 8px"><b>run failed</b> at ${escapeHtml(numbers)}<br>${escapeHtml(cause)}</div>`
      : `<div style="font:13px system-ui"><b>${escapeHtml(numbers)}</b></div>`;
    this.status.show({
      "text/html": html,
      "text/plain": failed ? `run failed at ${numbers}: ${cause}` : numbers,
    });
  }

  /** Draw all charts from the run's current metrics. */
  redraw(): void {
    const rows = [...this.run.metrics];
    const updates = updateMarkers(this.run);
    const config = this.run.config ?? this.run.trainer?.config ?? {};
    this.drawStatus();
    this.reward.show(rewardFigure(rows, { window: this.opts.window, updates }));
    this.length.show(lengthFigure(rows, { maxCompletionLength: config.max_completion_length, updates }));
    this.training.show(trainingFigure(rows, { updates }));
    this.redraws++;
  }

  /** Stop listening to the run (the charts keep their last state). */
  close(): void {
    if (typeof this.unsubscribe === "function") this.unsubscribe();
    else this.run.off?.("step", this.listener);
    for (const off of this.extra.splice(0)) off();
  }
}

/** Bind a live dashboard to a run handle. */
export function liveDashboard(run: DashboardSource, opts: DashboardOptions = {}): Dashboard {
  return new Dashboard(run, opts);
}

/**
 * A live training dashboard bound to a run handle: reward, completion-length and KL/LR/entropy charts that
 * redraw in place every `every` steps while the run trains in the background (the kernel stays free for
 * other cells), with `run.update()` changes drawn as markers.
 */

import { lengthFigure, type MetricsRow, rewardFigure, trainingFigure, type UpdateMarker } from "./charts";
import { currentSink, type DisplaySink, escapeHtml, LiveDisplay } from "./display";
import { LivePlot } from "./plotly";

/** What the dashboard needs from a run: its metrics so far, its live updates, and a `step` event. */
export interface DashboardSource {
  readonly metrics: readonly MetricsRow[];
  readonly updates?: readonly UpdateMarker[];
  on(event: "step", listener: (row: MetricsRow) => void): unknown;
  off?(event: "step", listener: (row: MetricsRow) => void): unknown;
  /** Current max_completion_length, drawn as a line on the length chart. */
  readonly config?: { max_completion_length?: number; max_steps?: number };
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
    run.on("step", this.listener);
    this.redraw();
  }

  /** Draw all charts from the run's current metrics. */
  redraw(): void {
    const rows = [...this.run.metrics];
    const updates = [...(this.run.updates ?? [])];
    const last = rows[rows.length - 1];
    const maxSteps = this.run.config?.max_steps;
    const fmt = (k: string) => (typeof last?.[k] === "number" ? (last[k] as number).toFixed(3) : "–");
    this.status.show({
      "text/html": `<div style="font:13px system-ui"><b>step ${last?.step ?? 0}${maxSteps ? ` / ${maxSteps}` : ""}</b> · reward ${fmt("reward")} · mean length ${fmt("completions/mean_length")} · KL ${fmt("kl")} · lr ${fmt("learning_rate")}${updates.length ? ` · ${updates.length} live update(s)` : ""}</div>`,
      "text/plain": escapeHtml(`step ${last?.step ?? 0}`),
    });
    this.reward.show(rewardFigure(rows, { window: this.opts.window, updates }));
    this.length.show(
      lengthFigure(rows, { maxCompletionLength: this.run.config?.max_completion_length, updates }),
    );
    this.training.show(trainingFigure(rows, { updates }));
    this.redraws++;
  }

  /** Stop listening to the run (the charts keep their last state). */
  close(): void {
    this.run.off?.("step", this.listener);
  }
}

/** Bind a live dashboard to a run handle. */
export function liveDashboard(run: DashboardSource, opts: DashboardOptions = {}): Dashboard {
  return new Dashboard(run, opts);
}

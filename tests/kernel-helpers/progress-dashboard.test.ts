import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import type { MetricsRow, UpdateMarker } from "../../src/kernel-helpers/charts";
import { Dashboard } from "../../src/kernel-helpers/dashboard";
import { RecordingSink } from "../../src/kernel-helpers/display";
import { formatDuration, ProgressBar } from "../../src/kernel-helpers/progress";

describe("progress bar", () => {
  it("formats durations", () => {
    assert.equal(formatDuration(12.4), "12s");
    assert.equal(formatDuration(185), "3m05s");
    assert.equal(formatDuration(3720), "1h02m");
    assert.equal(formatDuration(Number.NaN), "?");
  });

  it("reports count, elapsed and ETA from the clock, and redraws in place in a notebook", () => {
    let t = 0;
    const sink = new RecordingSink();
    const bar = new ProgressBar(4, { label: "steps", mode: "notebook", sink, now: () => t, throttleMs: 0 });
    t = 10_000;
    bar.tick(1, "reward 0.5");
    // 1 of 4 done in 10 s → 30 s left
    assert.match(bar.text(), /^steps .* 1\/4 \[10s < 30s\] · reward 0\.5$/);
    t = 20_000;
    bar.tick(3);
    assert.equal(sink.messages.length, 2);
    assert.equal(sink.messages[1].update, true);
    assert.equal(sink.messages[0].displayId, sink.messages[1].displayId);
  });
});

describe("dashboard", () => {
  it("redraws in place on step events and shows live updates as markers", () => {
    const emitter = new EventEmitter();
    const run = {
      metrics: [] as MetricsRow[],
      updates: [] as UpdateMarker[],
      config: { max_completion_length: 32, max_steps: 6 },
      on: (e: "step", f: (r: MetricsRow) => void) => emitter.on(e, f),
      off: (e: "step", f: (r: MetricsRow) => void) => emitter.off(e, f),
    };
    const sink = new RecordingSink();
    const dash = new Dashboard(run, { every: 2, sink });
    for (let step = 1; step <= 6; step++) {
      if (step === 3) run.updates.push({ step, changes: { learning_rate: 1e-3 } });
      const row = { step, reward: step / 10, "completions/mean_length": 10 + step };
      run.metrics.push(row);
      emitter.emit("step", row);
    }
    dash.close();
    emitter.emit("step", { step: 8 });
    // initial draw + steps 2, 4, 6
    assert.equal(dash.redraws, 4);
    const plotMessages = sink.messages.filter((m) => "application/vnd.plotly.v1+json" in m.bundle);
    const rewardId = plotMessages[0].displayId;
    assert.equal(sink.updatesFor(rewardId), 3);
    const last = plotMessages.filter((m) => m.displayId === rewardId).at(-1)!;
    const fig = last.bundle["application/vnd.plotly.v1+json"] as { layout: { shapes: unknown[] } };
    assert.equal(fig.layout.shapes.length, 1);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  constantRange,
  lengthFigure,
  rewardFigure,
  rollingMean,
  trainingFigure,
} from "../../src/kernel-helpers/charts";

const rows = [
  { step: 1, reward: 0.2, "rewards/format_reward/mean": 0.5, "rewards/accuracy_reward/mean": 0.1, kl: 0 },
  { step: 2, reward: 0.4, "rewards/format_reward/mean": 0.7, "rewards/accuracy_reward/mean": 0.2, kl: 0.01 },
  { step: 3, reward: 0.9, "rewards/format_reward/mean": 0.9, "rewards/accuracy_reward/mean": 0.5, kl: 0.02 },
];

describe("charts", () => {
  it("rollingMean is a trailing mean that skips nulls", () => {
    // window 2: [1], [1,3]→2, [3,null]→3, [null,5]→5
    assert.deepEqual(rollingMean([1, 3, null, 5], 2), [1, 2, 3, 5]);
    assert.deepEqual(rollingMean([null], 3), [null]);
  });

  it("reward figure has total, rolling mean and one trace per reward function", () => {
    const fig = rewardFigure(rows, { window: 2 });
    assert.deepEqual(
      fig.data.map((t) => t.name),
      ["reward", "reward (rolling 2)", "accuracy_reward", "format_reward"],
    );
    // rolling mean of 0.2, 0.4, 0.9 with window 2: 0.2, 0.3, 0.65
    const rolled = fig.data[1].y as number[];
    assert.deepEqual(
      rolled.map((v) => Number(v.toFixed(6))),
      [0.2, 0.3, 0.65],
    );
  });

  it("updates become vertical markers with their changes as text", () => {
    const fig = rewardFigure(rows, { updates: [{ step: 2, changes: { learning_rate: 0.001 } }] });
    const layout = fig.layout as { shapes: Array<{ x0: number }>; annotations: Array<{ text: string }> };
    assert.equal(layout.shapes.length, 1);
    assert.equal(layout.shapes[0].x0, 2);
    assert.equal(layout.annotations[0].text, "learning_rate=0.001");
  });

  it("length figure draws the completion cap as a horizontal line", () => {
    const fig = lengthFigure(rows, { maxCompletionLength: 64 });
    const cap = fig.data.find((t) => t.name === "max_completion_length");
    assert.ok(cap);
    assert.deepEqual(cap.y, [64, 64]);
    assert.equal(fig.data.length, 5);
  });

  it("non-finite values become gaps, not zeros", () => {
    const fig = trainingFigure([
      { step: 1, kl: Number.NaN },
      { step: 2, kl: 0.5 },
    ]);
    assert.deepEqual(fig.data[0].y, [null, 0.5]);
    assert.equal(fig.data.length, 4);
  });

  it("a constant series gets an axis around its value: LR 1e-4 is not drawn at 0", () => {
    // ±50% around 1e-4 (equal up to float rounding: 1e-4 + 5e-5 is 1.5000000000000001e-4)
    const close = (r: number[] | undefined, want: number[]) =>
      assert.ok(
        r?.every((v, i) => Math.abs(v - want[i]) < 1e-18),
        String(r),
      );
    close(constantRange([1e-4, 1e-4, null]), [5e-5, 1.5e-4]);
    assert.deepEqual(constantRange([0, 0], { nonNegative: true }), [0, 1]);
    assert.equal(constantRange([1, 2]), undefined);
    assert.equal(constantRange([null]), undefined);
    const fig = trainingFigure([
      { step: 1, learning_rate: 1e-4, entropy: 0.5, "clip_ratio/region_mean": 0 },
      { step: 2, learning_rate: 1e-4, entropy: 0.4, "clip_ratio/region_mean": 0 },
    ]);
    const layout = fig.layout as Record<
      string,
      { range?: number[]; exponentformat?: string; showticklabels?: boolean }
    >;
    close(layout.yaxis3.range, [5e-5, 1.5e-4]);
    assert.equal(layout.yaxis3.exponentformat, "e");
    assert.equal(layout.yaxis4.range, undefined, "entropy varies: plotly picks its range");
    assert.deepEqual(layout.yaxis2.range, [0, 1]);
  });

  it("an empty panel says why (KL with β = 0), an always-zero clip ratio too", () => {
    const fig = trainingFigure([
      { step: 1, learning_rate: 1e-4, "clip_ratio/region_mean": 0 },
      { step: 2, learning_rate: 1e-4, "clip_ratio/region_mean": 0 },
    ]);
    const layout = fig.layout as {
      annotations: Array<{ text: string; yref: string }>;
      yaxis: { showticklabels: boolean };
    };
    const notes = layout.annotations.map((a) => a.text);
    assert.ok(
      notes.some((t) => /no KL logged: β = 0/.test(t)),
      notes.join(" | "),
    );
    assert.ok(
      notes.some((t) => /num_iterations = 1/.test(t)),
      notes.join(" | "),
    );
    assert.equal(layout.yaxis.showticklabels, false);
    // the KL note sits in the top panel, the clip-ratio note in the second
    assert.equal(layout.annotations.find((a) => /KL/.test(a.text))?.yref, "y domain");
    assert.equal(layout.annotations.find((a) => /num_iterations/.test(a.text))?.yref, "y2 domain");
    // with KL logged, no note
    const withKl = trainingFigure([
      { step: 1, kl: 0.01 },
      { step: 2, kl: 0.02 },
    ]);
    assert.ok(
      !(withKl.layout as { annotations: Array<{ text: string }> }).annotations.some((a) => /KL/.test(a.text)),
    );
  });

  it("the clipped-ratio axis leaves room for its title beside its ticks", () => {
    const layout = lengthFigure(rows).layout as {
      margin: { r: number };
      yaxis2: { title: { text: string; standoff: number }; automargin: boolean; tickformat: string };
    };
    assert.ok(layout.margin.r >= 70);
    assert.equal(layout.yaxis2.automargin, true);
    assert.ok(layout.yaxis2.title.standoff > 0);
    assert.equal(layout.yaxis2.tickformat, ".0%");
  });
});

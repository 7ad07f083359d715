import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lengthFigure, rewardFigure, rollingMean, trainingFigure } from "../../src/kernel-helpers/charts";

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
});

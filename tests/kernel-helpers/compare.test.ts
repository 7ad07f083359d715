import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { train } from "../../src/grpo/train";
import {
  comparePassAtOne,
  compareRunData,
  compareRuns,
  configDifferences,
  lastTraining,
} from "../../src/kernel-helpers/compare";
import { RecordingSink, setDisplaySink } from "../../src/kernel-helpers/display";
import { resetPlotlyForTests } from "../../src/kernel-helpers/plotly";
import { sevenReward, toyConfig, toyDataset, toyModel, toyTokenizer, useCpu } from "../grpo/toy";

/** Eval results as evalModel and the scripts write them: one line per sample (id, sample, correct). */
function writeEval(dir: string, set: string, step: number, perProblem: Record<string, boolean[]>): void {
  const lines = Object.entries(perProblem).flatMap(([id, samples]) =>
    samples.map((correct, sample) => JSON.stringify({ step, set, id, sample, completion: "", correct })),
  );
  writeFileSync(join(dir, `eval-${set}-step${step}.jsonl`), `${lines.join("\n")}\n`);
}

describe("compareRuns", () => {
  const root = mkdtempSync(join(tmpdir(), "compare-runs-"));
  after(() => rmSync(root, { recursive: true, force: true }));

  it("on two short GRPO runs: overlaid curves, the config keys that differ, pass@1 with the paired Δ", async () => {
    await useCpu();
    const dirA = join(root, "lr-high");
    const dirB = join(root, "lr-low");
    const deps = () => ({
      model: toyModel(1),
      tokenizer: toyTokenizer,
      dataset: toyDataset,
      rewards: [sevenReward],
    });
    await train({ ...toyConfig, max_steps: 2, save_steps: 2, output_dir: dirA }, deps(), { workers: 0 }).done;
    await train(
      { ...toyConfig, max_steps: 2, save_steps: 2, output_dir: dirB, learning_rate: 1e-2, temperature: 0.8 },
      deps(),
      { workers: 0 },
    ).done;
    // Per-problem fractions correct, A: p1 1/2, p2 0/2, p3 2/2, p4 1/2; B: p1 2/2, p2 1/2, p3 2/2, p4 2/2.
    // Differences B − A: 0.5, 0.5, 0, 0.5 → Δ = 0.375; sd (ddof 1) = 0.25, stderr = 0.25 / √4 = 0.125.
    writeEval(dirA, "hard", 2, {
      p1: [true, false],
      p2: [false, false],
      p3: [true, true],
      p4: [false, true],
    });
    writeEval(dirB, "hard", 2, { p1: [true, true], p2: [true, false], p3: [true, true], p4: [true, true] });
    // an earlier eval of A, and a set only B has
    writeEval(dirA, "hard", 0, {
      p1: [false, false],
      p2: [false, false],
      p3: [false, false],
      p4: [false, false],
    });
    writeEval(dirB, "easy", 2, { e1: [true, true] });

    const sink = new RecordingSink();
    const prev = setDisplaySink(sink);
    resetPlotlyForTests();
    try {
      const cmp = compareRuns([dirA, { dir: dirB, label: "low LR" }]);
      assert.deepEqual(
        cmp.runs.map((r) => [r.label, r.metrics.length]),
        [
          ["lr-high", 2],
          ["low LR", 2],
        ],
      );
      assert.deepEqual(cmp.configDiff, [
        { key: "learning_rate", values: [3e-2, 1e-2] },
        { key: "temperature", values: [1.0, 0.8] },
      ]);
      const hard = cmp.passAtOne.find((p) => p.set === "hard")!;
      assert.deepEqual(
        hard.runs.map((r) => [r?.step, r?.pass1, r?.problems]),
        [
          [2, 0.5, 4],
          [2, 0.875, 4],
        ],
      );
      assert.equal(hard.deltas[0], null);
      assert.equal(hard.deltas[1]?.problems, 4);
      assert.ok(Math.abs(hard.deltas[1]!.delta - 0.375) < 1e-12);
      assert.ok(Math.abs(hard.deltas[1]!.stderr - 0.125) < 1e-12);
      const easy = cmp.passAtOne.find((p) => p.set === "easy")!;
      assert.deepEqual(easy.runs[0], null);
      assert.equal(easy.deltas[1], null);
      // 2 runs × 4 panels, the legend once per run
      assert.equal(cmp.figure.data.length, 8);
      assert.equal(cmp.figure.data.filter((t) => t.showlegend).length, 2);
      // shown: the plotly bundle, the figure, the config table, the pass@1 table, the verdict
      const html = sink.messages.map((m) => String(m.bundle["text/html"] ?? m.bundle["text/markdown"]));
      assert.ok(html.some((h) => h.includes("learning_rate") && h.includes("0.03") && h.includes("0.01")));
      assert.ok(
        html.some((h) => h.includes("+37.5 ± 12.5 (4 paired)")),
        html.join("\n---\n"),
      );
      assert.ok(
        html.some((h) =>
          /hard\*\*, low LR vs lr-high: paired Δ = \+37\.5 ± 12\.5 points, a gain beyond noise/.test(h),
        ),
      );
    } finally {
      setDisplaySink(prev);
    }
    // step selection: step 0 exists only in A → no pair
    const at0 = compareRunData([dirA, dirB], { step: 0 }).passAtOne.find((p) => p.set === "hard")!;
    assert.equal(at0.runs[1], null);
    assert.throws(() => compareRunData([dirA]), /at least two run folders/);
    assert.throws(() => compareRunData([dirA, join(root, "nope")]), /metrics\.jsonl not found/);
  });

  it("keeps the last training of an appended metrics file, and diffs configs key by key", () => {
    assert.deepEqual(
      lastTraining([{ step: 1 }, { step: 2 }, { step: 1 }, { step: 2 }, { step: 3 }]).map((r) => r.step),
      [1, 2, 3],
    );
    assert.deepEqual(
      configDifferences([{ a: 1, b: [1, 2], output_dir: "x" }, { a: 1, b: [1, 3], output_dir: "y" }, null]),
      [
        { key: "a", values: [1, 1, undefined] },
        { key: "b", values: [[1, 2], [1, 3], undefined] },
      ],
    );
    assert.deepEqual(comparePassAtOne([]), []);
  });
});

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { completionRecord, envChoice, envNumber, readCompletions } from "../../src/kernel-helpers/notebook";
import { figureBundle, normalizeTitles } from "../../src/kernel-helpers/plotly";

describe("notebook parameters from the environment", () => {
  it("reads numbers and choices, falls back when unset, and names a bad variable", () => {
    process.env.OPEN_RS_TEST_N = "7";
    assert.equal(envNumber("OPEN_RS_TEST_N", 40), 7);
    assert.equal(envNumber("OPEN_RS_TEST_UNSET", 40), 40);
    process.env.OPEN_RS_TEST_N = "seven";
    assert.throws(() => envNumber("OPEN_RS_TEST_N", 40), /OPEN_RS_TEST_N="seven" is not a number/);
    process.env.OPEN_RS_TEST_S = "paper";
    assert.equal(envChoice("OPEN_RS_TEST_S", ["mini", "paper"], "mini"), "paper");
    process.env.OPEN_RS_TEST_S = "huge";
    assert.throws(() => envChoice("OPEN_RS_TEST_S", ["mini", "paper"], "mini"), /use one of mini, paper/);
    delete process.env.OPEN_RS_TEST_N;
    delete process.env.OPEN_RS_TEST_S;
  });
});

describe("completions.jsonl records", () => {
  it("turns reward columns into `rewards` and picks the last step by default", () => {
    const dir = mkdtempSync(join(tmpdir(), "nb-compl-"));
    const line = (step: number, adv: number) =>
      JSON.stringify({
        step,
        prompt: "p",
        completion: `c${step}`,
        format_reward: 1,
        accuracy_reward: null,
        advantage: adv,
      });
    writeFileSync(
      join(dir, "completions.jsonl"),
      `${[line(1, 0.5), line(2, -0.5), line(2, 0.25)].join("\n")}\n`,
    );
    const last = readCompletions(dir);
    assert.deepEqual(
      last.map((r) => [r.step, r.completion, r.advantage]),
      [
        [2, "c2", -0.5],
        [2, "c2", 0.25],
      ],
    );
    assert.deepEqual(last[0].rewards, { format_reward: 1, accuracy_reward: null });
    assert.equal(readCompletions(dir, { step: "all" }).length, 3);
    assert.equal(readCompletions(dir, { step: 1 }).length, 1);
    assert.equal(readCompletions(dir, { step: "all", limit: 2 }).length, 2);
    assert.equal(completionRecord({ step: 3, prompt: "x", completion: "y" }).advantage, undefined);
    assert.throws(() => readCompletions(join(dir, "none")), /log_completions: true/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("plotly titles", () => {
  it("turns string titles (dropped by plotly.js ≥ 3) into { text } for the layout and every axis", () => {
    const l = normalizeTitles({
      title: "Reward",
      xaxis: { title: "step" },
      yaxis2: { title: { text: "t" } },
      height: 3,
    });
    assert.deepEqual(l, {
      title: { text: "Reward" },
      xaxis: { title: { text: "step" } },
      yaxis2: { title: { text: "t" } },
      height: 3,
    });
    const b = figureBundle({ data: [], layout: { title: "Reward" } }, "d1");
    assert.equal(b["text/plain"], "<Figure: Reward>");
    assert.deepEqual((b["application/vnd.plotly.v1+json"] as { layout: { title: unknown } }).layout.title, {
      text: "Reward",
    });
  });
});

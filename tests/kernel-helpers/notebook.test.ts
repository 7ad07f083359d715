import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RecordingSink } from "../../src/kernel-helpers/display";
import { completionRecord, envChoice, envNumber, readCompletions } from "../../src/kernel-helpers/notebook";
import {
  checkTraceTypes,
  figureBundle,
  normalizeTitles,
  PLOTLY_BUNDLE_MARK,
  plotlyInit,
  resetPlotlyForTests,
} from "../../src/kernel-helpers/plotly";

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
      xaxis: { automargin: true, title: { text: "step" } },
      yaxis2: { automargin: true, title: { text: "t" } },
      height: 3,
    });
    const b = figureBundle({ data: [], layout: { title: "Reward" } }, "d1");
    assert.equal(b["text/plain"], "<Figure: Reward>");
    assert.deepEqual((b["application/vnd.plotly.v1+json"] as { layout: { title: unknown } }).layout.title, {
      text: "Reward",
    });
  });
});

describe("plotly in the notebook", () => {
  it("plotlyInit() emits the bundle on every call (a re-run cell keeps it), marked for the HTML exporter", () => {
    resetPlotlyForTests();
    const sink = new RecordingSink();
    plotlyInit({ sink });
    plotlyInit({ sink });
    assert.equal(sink.messages.length, 2);
    for (const m of sink.messages) {
      assert.equal(m.update, false);
      assert.match(
        String(m.bundle["text/html"]),
        new RegExp(`^<script type="text/javascript" ${PLOTLY_BUNDLE_MARK}="1">`),
      );
    }
    // the basic bundle (≈1.2 MB), not the full one (≈4.8 MB)
    assert.ok(String(sink.messages[0].bundle["text/html"]).length < 1.5e6);
  });

  it("a chart draws once plotly is there, wherever the bundle sits in the page, and refuses other trace types", () => {
    const html = String(figureBundle({ data: [{ type: "scatter", x: [1], y: [2] }] }, "d9")["text/html"]);
    assert.match(html, /DOMContentLoaded/);
    assert.match(html, /img\.open-rs-static/);
    assert.throws(
      () => checkTraceTypes({ data: [{ type: "heatmap" }] }),
      /"heatmap" is not in plotly's basic bundle/,
    );
    checkTraceTypes({ data: [{ x: [1] }, { type: "bar" }, { type: "pie" }] });
  });
});

/**
 * The five notebooks, executed headless with the miniature parameters and a tiny step count (every cell runs;
 * the last prints "notebook complete"), then the quickstart's HTML opened in headless Chromium with networking
 * off: the plotly charts rendered with the expected traces, the pass@1 table is there, no console error.
 *
 * Runs into a temporary folder (HTML and training runs), so the user's reports/ is left alone. Takes about
 * 4–6 minutes on 2 CPU cores (most of it tslab type-checking the library once per kernel and the tiny GRPO runs).
 * Skips cleanly when Jupyter's nbconvert (or, for the browser part, Chromium) is not installed.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { executeNotebooks, hasNbconvert, listNotebooks, type NotebookRun } from "../../scripts/run-notebooks";
import { CHROMIUM, inspectReport } from "./browser";

const NOTEBOOKS = ["00-quickstart", "01-experiment-1", "02-experiment-2", "03-experiment-3", "04-evaluate"];
const jupyterMissing = hasNbconvert()
  ? false
  : "jupyter nbconvert is not installed (see scripts/run-notebooks.ts)";

describe("notebooks (headless, miniature, tiny step counts)", { skip: jupyterMissing }, () => {
  const dir = mkdtempSync(join(tmpdir(), "open-rs-notebooks-"));
  let runs: NotebookRun[] = [];

  before(async () => {
    runs = await executeNotebooks(NOTEBOOKS, {
      outDir: dir,
      echo: false,
      env: {
        OPEN_RS_NB_SCALE: "mini",
        OPEN_RS_NB_RUNS: join(dir, "runs"),
        OPEN_RS_NB_STEPS: "2",
        OPEN_RS_NB_EVAL_PROBLEMS: "2",
        OPEN_RS_NB_EVAL_SAMPLES: "2",
        OPEN_RS_NB_MAX_TOKENS: "32",
      },
    });
    for (const r of runs)
      console.log(`# ${r.name}: ${r.seconds.toFixed(1)} s wall, ${r.ok ? "ok" : "FAILED"}`);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("lists exactly the five notebooks", () => {
    assert.deepEqual(listNotebooks(), NOTEBOOKS);
  });

  for (const name of NOTEBOOKS) {
    it(`${name} runs clean, every cell`, () => {
      const run = runs.find((r) => r.name === name);
      assert.ok(run, `${name} was not run`);
      assert.ok(run.ok, `${name} failed:\n${run.error}`);
      assert.ok(existsSync(run.html), `${run.html} missing`);
    });
  }

  const chromiumMissing = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed`;
  it("the quickstart HTML renders offline: charts with their traces, the pass@1 table, no console error", {
    skip: chromiumMissing,
  }, async () => {
    const run = runs.find((r) => r.name === "00-quickstart");
    assert.ok(run?.ok, "the quickstart did not run");
    const page = await inspectReport(run.html, process.env.OPEN_RS_NB_SCREENSHOT);
    assert.deepEqual(page.consoleErrors, []);
    assert.deepEqual(page.blockedRequests, [], "the page asked for nothing outside the file");
    // the live dashboard (3 charts, final state) + the four static charts
    assert.deepEqual(
      page.plots.map((p) => p.title),
      [
        "Reward",
        "Completion length (tokens)",
        "KL, clip ratio, learning rate, entropy",
        "Reward",
        "Completion length (tokens)",
        "KL, clip ratio, learning rate, entropy",
        "Step time split (s)",
      ],
    );
    for (const p of page.plots) {
      assert.ok(p.hasSvg, `${p.title}: no SVG`);
      assert.equal(p.svgTraces, p.traces, `${p.title}: ${p.svgTraces} traces drawn of ${p.traces}`);
    }
    // reward, its rolling mean, and one line per reward function (format, accuracy)
    assert.equal(page.plots[0].traces, 4);
    // max/mean/min length, clipped ratio, the cap line
    assert.equal(page.plots[1].traces, 5);
    assert.equal(page.plots[6].traces, 2);
    // held-out Hard, held-out Easy, Average
    assert.deepEqual(page.passAtOneRows, [3]);
  });
});

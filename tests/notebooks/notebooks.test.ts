/**
 * The six notebooks, executed headless with the miniature parameters and tiny step counts, with Jupyter
 * removed from PATH: the quickstart through `npm start` exactly as a user types it, the others through the
 * same executor. Then: every cell ran and got its execution count; each report's HTML is ≤ 1.5 MB (04, which
 * draws no chart, carries no plotly at all); every chart in the executed notebooks has a static PNG next to
 * its plotly JSON; and the quickstart's and 05's HTML, opened in headless Chromium with networking off, draw
 * their charts with the expected traces, with no console error.
 *
 * Runs into a temporary folder (reports and training runs), so reports/ is left alone. Takes 4–8 minutes on
 * 2 busy cores (most of it tslab type-checking the library once per kernel, and the tiny GRPO runs). The
 * static-image and browser parts skip cleanly when Chromium is not installed.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CodeCell, joinText, readNotebook } from "../../scripts/nb/nbformat";
import { staticImagesUnavailable } from "../../scripts/nb/static-images";
import { executeNotebooks, listNotebooks, type NotebookRun, REPO_ROOT } from "../../scripts/run-notebooks";
import { CHROMIUM, inspectReport } from "./browser";
import { jupyterAbsent, pathWithoutJupyter } from "./no-jupyter";

const NOTEBOOKS = [
  "00-quickstart",
  "01-experiment-1",
  "02-experiment-2",
  "03-experiment-3",
  "04-evaluate",
  "05-compare-runs",
];
/** The size limit of one report page. */
const MAX_HTML_BYTES = 1_500_000;

function npmStart(env: NodeJS.ProcessEnv): Promise<{ code: number; seconds: number; output: string }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn("npm", ["start"], { cwd: REPO_ROOT, env });
    let output = "";
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-20_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("close", (code) => resolve({ code: code ?? 1, seconds: (Date.now() - t0) / 1000, output }));
    child.on("error", (e) => resolve({ code: 1, seconds: 0, output: e.message }));
  });
}

describe("notebooks (headless, no Jupyter, miniature, tiny step counts)", () => {
  const dir = mkdtempSync(join(tmpdir(), "open-rs-notebooks-"));
  const path = pathWithoutJupyter(join(dir, "bin"));
  const env = {
    PATH: path,
    OPEN_RS_NB_SCALE: "mini",
    OPEN_RS_NB_OUT: dir,
    OPEN_RS_NB_RUNS: join(dir, "runs"),
    OPEN_RS_NB_STEPS: "2",
    OPEN_RS_NB_EVAL_PROBLEMS: "2",
    OPEN_RS_NB_EVAL_SAMPLES: "2",
    OPEN_RS_NB_MAX_TOKENS: "32",
  };
  let start: { code: number; seconds: number; output: string };
  let runs: NotebookRun[] = [];
  const noStatic = staticImagesUnavailable();

  before(async () => {
    start = await npmStart({ ...process.env, ...env });
    console.log(`# npm start (00-quickstart): ${start.seconds.toFixed(1)} s wall, exit ${start.code}`);
    runs = await executeNotebooks(NOTEBOOKS.slice(1), { outDir: dir, echo: false, env });
    for (const r of runs)
      console.log(`# ${r.name}: ${r.seconds.toFixed(1)} s wall, ${r.ok ? "ok" : "FAILED"}`);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("lists exactly the six notebooks", () => {
    assert.deepEqual(listNotebooks(), NOTEBOOKS);
  });

  it("`npm start` runs the quickstart with no Jupyter on PATH", () => {
    assert.ok(jupyterAbsent(path), "jupyter is still reachable through the test's PATH");
    assert.equal(start.code, 0, start.output);
    assert.match(start.output, /✓ 00-quickstart/);
    assert.ok(existsSync(join(dir, "00-quickstart.html")) && existsSync(join(dir, "00-quickstart.ipynb")));
  });

  for (const name of NOTEBOOKS.slice(1)) {
    it(`${name} runs clean, every cell`, () => {
      const run = runs.find((r) => r.name === name);
      assert.ok(run, `${name} was not run`);
      assert.ok(run.ok, `${name} failed:\n${run.error}`);
    });
  }

  it("every code cell of every executed notebook has its execution count, 1, 2, 3, …", () => {
    for (const name of NOTEBOOKS) {
      const nb = readNotebook(join(dir, `${name}.ipynb`));
      const counts = nb.cells
        .filter((c): c is CodeCell => c.cell_type === "code")
        .map((c) => c.execution_count);
      assert.deepEqual(
        counts,
        counts.map((_, i) => i + 1),
        name,
      );
    }
  });

  it("no cell prints an object dump (a helper's return value left as a cell's last expression)", () => {
    for (const name of NOTEBOOKS) {
      const nb = readNotebook(join(dir, `${name}.ipynb`));
      for (const c of nb.cells) {
        if (c.cell_type !== "code") continue;
        for (const o of c.outputs) {
          if (o.output_type === "stream")
            assert.doesNotMatch(joinText(o.text), /ColumnTable \[Table|^\s+_data: \{/m, name);
        }
      }
    }
  });

  it("each report's HTML is ≤ 1.5 MB, and a report without charts carries no plotly.js", () => {
    for (const name of NOTEBOOKS) {
      const bytes = statSync(join(dir, `${name}.html`)).size;
      console.log(`# ${name}.html: ${(bytes / 1e6).toFixed(3)} MB`);
      assert.ok(bytes <= MAX_HTML_BYTES, `${name}.html is ${bytes} bytes`);
    }
    const evaluate = readFileSync(join(dir, "04-evaluate.html"), "utf8");
    assert.ok(!evaluate.includes("window.Plotly"), "04-evaluate draws no chart but carries plotly.js");
    assert.ok(evaluate.length < 200_000);
  });

  it("every chart in the executed notebooks has a static image next to its plotly JSON", {
    skip: noStatic ?? false,
  }, () => {
    let charts = 0;
    for (const name of NOTEBOOKS) {
      const nb = readNotebook(join(dir, `${name}.ipynb`));
      for (const c of nb.cells) {
        if (c.cell_type !== "code") continue;
        for (const o of c.outputs) {
          if (o.output_type !== "display_data" || !o.data["application/vnd.plotly.v1+json"]) continue;
          charts++;
          const png = o.data["image/png"];
          assert.ok(
            typeof png === "string" && Buffer.from(png, "base64").subarray(1, 4).toString() === "PNG",
            name,
          );
          assert.match(
            String(o.data["text/html"]),
            /<img class="open-rs-static" src="data:image\/png;base64,/,
          );
        }
      }
    }
    // 00: 3 live + 4 static; 01–03: 3 live + 4 static each; 05: 1 comparison
    assert.equal(charts, 4 * 7 + 1);
  });

  const chromiumMissing = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed`;
  it("the quickstart's HTML draws offline: charts with their traces, the pass@1 table, no console error", {
    skip: chromiumMissing,
  }, async () => {
    const page = await inspectReport(join(dir, "00-quickstart.html"), process.env.OPEN_RS_NB_SCREENSHOT);
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
      assert.equal(p.fallbackImages, 0, `${p.title}: the static fallback is still shown`);
    }
    // reward, its rolling mean, and one line per reward function (format, accuracy)
    assert.equal(page.plots[0].traces, 4);
    // max/mean/min length, clipped ratio, the cap line
    assert.equal(page.plots[1].traces, 5);
    assert.equal(page.plots[6].traces, 2);
    // base and after GRPO (rows), held-out Hard / Easy / Average (columns)
    assert.deepEqual(page.passAtOneRows, [2]);
  });

  it("05's HTML draws the comparison of the three experiments", { skip: chromiumMissing }, async () => {
    const page = await inspectReport(join(dir, "05-compare-runs.html"));
    assert.deepEqual(page.consoleErrors, []);
    assert.equal(page.plots.length, 1);
    assert.match(page.plots[0].title, /^Runs compared: 01-experiment-1 · 02-experiment-2 · 03-experiment-3$/);
    // 3 runs × 4 panels
    assert.equal(page.plots[0].traces, 12);
    assert.equal(page.plots[0].svgTraces, 12);
  });
});

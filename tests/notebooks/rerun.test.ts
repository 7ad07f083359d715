/**
 * Re-running the cell that calls `plotlyInit()`, then saving, must leave charts that load: the repo's kernel
 * runs [plotlyInit cell, chart cell, the plotlyInit cell again], the saved notebook is what a frontend keeps
 * (the re-run cell's new outputs in its place), and its HTML, from our exporter and (when Jupyter is
 * installed) from nbconvert, is opened in headless Chromium. About 15 s.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { executeCells } from "../../scripts/nb/execute";
import { KernelClient } from "../../scripts/nb/kernel-client";
import { type CodeCell, joinText, type Notebook, writeNotebook } from "../../scripts/nb/nbformat";
import {
  hasNbconvert,
  jupyterEnv,
  KERNEL_SPEC_DIR,
  REPO_ROOT,
  writeReport,
} from "../../scripts/run-notebooks";
import { PLOTLY_BUNDLE_MARK } from "../../src/kernel-helpers/plotly";
import { CHROMIUM, inspectReport } from "./browser";
import { codeNotebook } from "./cells";

const INIT = 'import { plotlyInit, showFigure } from "./src/kernel-helpers/plotly";\nplotlyInit();';
const CHART =
  'showFigure({ data: [{ type: "scatter", x: [1, 2, 3], y: [2, 1, 3] }], layout: { title: "after a re-run" } });';
describe("a notebook whose plotlyInit() cell was re-run before saving", {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed`,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "open-rs-rerun-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let saved: Notebook;

  it("keeps plotly.js in the re-run cell's new outputs", async () => {
    const client = await KernelClient.start({ specDir: KERNEL_SPEC_DIR, cwd: REPO_ROOT });
    try {
      const run = await executeCells(client, codeNotebook(INIT, CHART, INIT));
      assert.equal(run.failure, null, run.failure?.message);
      const [, chart, rerun] = run.nb.cells as CodeCell[];
      // what the frontend saves: cell 1 shows its re-run (In [3]), cell 2 its only run (In [2])
      saved = { ...run.nb, cells: [rerun, chart] };
    } finally {
      await client.shutdown();
    }
    const rerunCell = saved.cells[0] as CodeCell;
    assert.equal(rerunCell.execution_count, 3);
    assert.ok(
      rerunCell.outputs.some(
        (o) => o.output_type === "display_data" && joinText(o.data["text/html"]).includes(PLOTLY_BUNDLE_MARK),
      ),
      "the re-run plotlyInit() cell has no plotly.js output",
    );
  });

  it("our HTML of the saved notebook draws the chart", async () => {
    assert.ok(saved, "the kernel run failed");
    const out = await writeReport(structuredClone(saved), dir, "saved", { echo: false });
    const page = await inspectReport(out.html);
    assert.deepEqual(page.consoleErrors, []);
    assert.deepEqual(
      page.plots.map((p) => [p.title, p.hasSvg, p.svgTraces]),
      [["after a re-run", true, 1]],
    );
  });

  it("nbconvert's HTML of the saved notebook draws the chart", {
    skip: hasNbconvert() ? false : "jupyter nbconvert is not installed",
  }, async () => {
    assert.ok(saved, "the kernel run failed");
    const file = join(dir, "saved-nbconvert.ipynb");
    writeNotebook(file, saved);
    const r = spawnSync("jupyter", ["nbconvert", "--to", "html", file, "--output-dir", dir], {
      env: jupyterEnv(),
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    const html = join(dir, "saved-nbconvert.html");
    // Debian's template points require.js and MathJax at file:///usr/share/javascript (absent here): drop them
    writeFileSync(
      html,
      readFileSync(html, "utf8").replace(/<script[^>]*\ssrc="file:\/\/[^"]*"[^>]*>\s*<\/script>/g, ""),
    );
    const page = await inspectReport(html);
    assert.deepEqual(
      page.plots.map((p) => [p.title, p.hasSvg]),
      [["after a re-run", true]],
    );
  });
});

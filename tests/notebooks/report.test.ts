import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { notebookToHtml, terminalText } from "../../scripts/nb/html";
import { leanNotebook } from "../../scripts/nb/lean";
import { type Notebook, serializeNotebook } from "../../scripts/nb/nbformat";
import { withFallbackImage } from "../../scripts/nb/static-images";
import { figureBundle, plotlyScriptTag } from "../../src/kernel-helpers/plotly";

const nb = (outputs: Notebook["cells"]): Notebook => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: outputs,
});
const bundleOut = () => ({
  output_type: "display_data" as const,
  data: { "text/html": plotlyScriptTag(), "text/plain": "<plotly.js loaded>" } as Record<string, unknown>,
  metadata: {},
});
const chartOut = (id: string) => ({
  output_type: "display_data" as const,
  data: figureBundle({ data: [{ type: "scatter", x: [1, 2], y: [3, 4] }], layout: { title: "T" } }, id),
  metadata: {},
});
const code = (outputs: ReturnType<typeof chartOut | typeof bundleOut>[], n = 1) => ({
  cell_type: "code" as const,
  source: "x",
  metadata: {},
  execution_count: n,
  outputs,
});

describe("HTML reports", () => {
  it("carry plotly.js once, in the head, only when a chart is shown, whatever the cells did with it", () => {
    const BUNDLE = plotlyScriptTag().length;
    // the bundle emitted twice (plotlyInit re-run), then a chart
    const withChart = notebookToHtml(
      nb([code([bundleOut()]), code([bundleOut()]), code([chartOut("c1")], 2)]),
    );
    assert.equal(withChart.split("window.Plotly = Plotly").length - 1, 1);
    assert.ok(withChart.indexOf("window.Plotly = Plotly") < withChart.indexOf("<body>"));
    assert.ok(withChart.length < BUNDLE + 20_000);
    // a report without charts carries no plotly at all
    const noChart = notebookToHtml(nb([code([bundleOut()])]));
    assert.ok(!noChart.includes("window.Plotly"));
    assert.ok(noChart.length < 10_000, `${noChart.length} bytes`);
    assert.match(noChart, /In&nbsp;\[1\]:/);
  });

  it("drop a chart's static fallback image when plotly.js is inline, keep it when plotly.js is a file", () => {
    const c = chartOut("c2");
    c.data["text/html"] = withFallbackImage(String(c.data["text/html"]), "iVBORw0KGgo=", "T");
    assert.match(
      String(c.data["text/html"]),
      /<div id="c2" class="open-rs-plot"[^>]*><img class="open-rs-static"/,
    );
    const inline = notebookToHtml(nb([code([c])]));
    assert.ok(!inline.includes('class="open-rs-static"'));
    const linked = notebookToHtml(nb([code([c])]), { plotly: { src: "../plotly.js" } });
    assert.ok(linked.includes('class="open-rs-static"'));
    assert.match(linked, /<script type="text\/javascript" src="..\/plotly.js"><\/script>/);
    assert.ok(!linked.includes("window.Plotly = Plotly"));
  });

  it("render terminal text as a frontend does, and lean copies leave the bundle and the charts' HTML out", () => {
    assert.equal(terminalText("a 10%\r a 50%\r a 100%\nnext\u001b[31m red\u001b[0m"), " a 100%\nnext red");
    const withPng = chartOut("c3");
    withPng.data["image/png"] = "iVBORw0KGgo=";
    const full = nb([code([bundleOut(), withPng, chartOut("c4")])]);
    const lean = leanNotebook(full);
    const [b, c, d] = (lean.cells[0] as ReturnType<typeof code>).outputs;
    assert.deepEqual(Object.keys(b.data), ["text/plain"]);
    // a chart with its static image: JSON + PNG, no HTML (GitHub then shows the PNG)
    assert.deepEqual(Object.keys(c.data).sort(), [
      "application/vnd.plotly.v1+json",
      "image/png",
      "text/plain",
    ]);
    // without an image, its HTML stays (the only thing a plain viewer could draw)
    assert.ok(d.data["text/html"]);
    assert.ok(serializeNotebook(lean).length < 20_000);
    assert.ok(serializeNotebook(full).length > 1e6, "the input is left as it was");
  });

  it("serialize notebooks as Jupyter does: lines as lists, JSON mime types as objects", () => {
    const text = serializeNotebook(
      nb([
        { cell_type: "markdown", source: "# T\nline", metadata: {} },
        {
          cell_type: "code",
          source: "a\nb",
          metadata: {},
          execution_count: 3,
          outputs: [
            { output_type: "stream", name: "stdout", text: "x\ny\n" },
            {
              output_type: "display_data",
              data: { "text/html": "<b>1</b>\n<i>2</i>", "application/json": { a: 1 } },
              metadata: {},
            },
          ],
        },
      ]),
    );
    const back = JSON.parse(text);
    assert.deepEqual(back.cells[0].source, ["# T\n", "line"]);
    assert.deepEqual(back.cells[1].outputs[0].text, ["x\n", "y\n"]);
    assert.deepEqual(back.cells[1].outputs[1].data["text/html"], ["<b>1</b>\n", "<i>2</i>"]);
    assert.deepEqual(back.cells[1].outputs[1].data["application/json"], { a: 1 });
    assert.match(text, /^\{\n "cells": \[/);
  });
});

describe("docs/reports (the committed miniature reports)", () => {
  const dir = join(__dirname, "../../docs/reports");
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".ipynb")) : [];

  it("holds every notebook, lightened: each chart a PNG beside its plotly JSON, no plotly.js bundle", {
    skip: files.length ? false : "docs/reports has not been generated (npm run reports:docs)",
  }, () => {
    assert.deepEqual(
      files,
      readdirSync(join(__dirname, "../../notebooks")).filter((f) => /^\d\d-.*\.ipynb$/.test(f)),
    );
    for (const f of files) {
      const text = readFileSync(join(dir, f), "utf8");
      assert.ok(text.length < 1_000_000, `${f}: ${text.length} bytes`);
      assert.ok(!text.includes("window.Plotly = Plotly"), `${f} carries plotly.js`);
      const nb = JSON.parse(text) as Notebook;
      for (const c of nb.cells) {
        if (c.cell_type !== "code") continue;
        assert.notEqual(c.execution_count, null, `${f}: a cell without its count`);
        for (const o of c.outputs) {
          if (o.output_type === "error") assert.fail(`${f}: an error output`);
          if (o.output_type !== "display_data" || !o.data["application/vnd.plotly.v1+json"]) continue;
          assert.ok(o.data["image/png"], `${f}: a chart without its PNG`);
          assert.equal(o.data["text/html"], undefined, `${f}: a chart's HTML would hide its PNG on GitHub`);
        }
      }
    }
  });
});

/**
 * A lighter copy of an executed notebook for committing: outputs that only carry the inlined plotly.js bundle
 * (≈1.2 MB each) keep their text/plain only, and charts keep their plotly JSON and their static PNG but not
 * their HTML (which holds the same PNG again, as a fallback). With no HTML to prefer, GitHub and nbviewer show
 * the PNG; JupyterLab and VS Code draw the plotly JSON.
 */
import { PLOTLY_BUNDLE_MARK } from "../../src/kernel-helpers/plotly";
import { joinText, type Notebook } from "./nbformat";

/** `nb` without the inlined plotly.js bundle and the charts' HTML (a copy; the input is unchanged). */
export function leanNotebook(nb: Notebook): Notebook {
  const out: Notebook = structuredClone(nb);
  for (const c of out.cells) {
    if (c.cell_type !== "code") continue;
    for (const o of c.outputs) {
      if (o.output_type !== "display_data" && o.output_type !== "execute_result") continue;
      const html = o.data["text/html"];
      if (html !== undefined && joinText(html).includes(PLOTLY_BUNDLE_MARK)) {
        const { "text/html": _dropped, ...rest } = o.data;
        o.data = { ...rest, "text/plain": "<plotly.js loaded (not kept in this copy)>" };
      } else if (html !== undefined && o.data["application/vnd.plotly.v1+json"] && o.data["image/png"]) {
        const { "text/html": _html, ...rest } = o.data;
        o.data = rest;
      }
    }
  }
  return out;
}

/** The README of docs/reports/ (written by `npm run reports:docs`), saying which OPEN_RS_NB_* settings ran. */
export function docsReportsReadme(settings: Record<string, string>): string {
  const set = Object.entries(settings);
  const how = set.length
    ? `These copies were made with ${set.map(([k, v]) => `\`${k}=${v}\``).join(", ")}: a shrunk run, not the notebooks' own sizes.`
    : "These copies were made with the notebooks' own (miniature) sizes.";
  return `${DOCS_REPORTS_README}\n${how}\n`;
}

const DOCS_REPORTS_README = `# Rendered miniature reports

What the notebooks in [../../notebooks](../../notebooks) print and draw when they run on the embedded
\`tiny-r1\` model (the default \`SCALE = "mini"\`, CPU), so you can read the results without running anything.
Regenerate them with \`npm run reports:docs\` (it executes every notebook, as \`npm run reports\` does, and
copies the results here).

Each \`NN-name.ipynb\` is the executed notebook, lightened for the repository (about 0.5 MB each): every chart
is a static PNG beside its plotly JSON (GitHub and nbviewer show the PNG, JupyterLab and VS Code draw the
JSON interactively), and the 1.2 MB plotly.js bundle is left out. For interactive web pages, run
\`npm run reports\`: it writes self-contained HTML reports (≤ 1.5 MB each) into \`reports/\`.

The numbers come from one run on a 2-core CPU; see the README's "The miniature, measured" for what
repeated seeds give.
`;

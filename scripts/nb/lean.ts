/**
 * A lighter copy of an executed notebook for committing: outputs that only carry the inlined plotly.js bundle
 * (≈1.2 MB each) keep their text/plain only. Charts keep their plotly JSON and their static image, which is
 * what GitHub and nbviewer show; Jupyter redraws them interactively once `plotlyInit()` runs again.
 */
import { PLOTLY_BUNDLE_MARK } from "../../src/kernel-helpers/plotly";
import { joinText, type Notebook } from "./nbformat";

/** `nb` without the inlined plotly.js bundle (a copy; the input is unchanged). */
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

- \`NN-name.ipynb\`: the executed notebook. GitHub shows it with every chart as a static image. It does not
  carry the 1.2 MB plotly.js bundle; Jupyter redraws the charts interactively once \`plotlyInit()\` runs.
- \`NN-name.html\`: the same as a web page. It loads plotly.js from \`node_modules\` (after \`npm ci\`) for
  interactive charts, and shows the static images without it. \`npm run reports\` writes fully
  self-contained pages (≤ 1.5 MB) into \`reports/\` instead.

The numbers come from one run on a 2-core CPU; see the README's "The miniature, measured" for what
repeated seeds give.
`;

/**
 * Offline plotly for notebooks: the plotly.js bundle is inlined once per kernel (≈4.8 MB), so exported HTML
 * renders with networking off. Each chart is one bundle: text/html (nbconvert, classic UI) plus
 * `application/vnd.plotly.v1+json` (UIs with a native plotly renderer).
 */
import { readFileSync } from "node:fs";
import { currentSink, type DisplaySink, display, LiveDisplay, type MimeBundle } from "./display";

/** A plotly figure: traces and layout, plain JSON. */
export interface Figure {
  data: Array<Record<string, unknown>>;
  layout?: Record<string, unknown>;
}

let plotlyLoaded = false;

/** The inlined plotly.js script tag. */
export function plotlyScriptTag(): string {
  const src = readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js"), "utf8");
  return `<script type="text/javascript">${src}</script>`;
}

/**
 * Inline plotly.js into the notebook, once per kernel. Charts call this themselves; calling it early keeps
 * the 4.8 MB script at the top of the exported HTML. Pass `force` after a page reload in a live UI.
 */
export function plotlyInit(opts: { force?: boolean; sink?: DisplaySink } = {}): void {
  if (plotlyLoaded && !opts.force) return;
  plotlyLoaded = true;
  new LiveDisplay(opts.sink ?? currentSink()).show({
    "text/html": plotlyScriptTag(),
    "text/plain": "<plotly.js loaded>",
  });
}

/** Test hook: forget that plotly was inlined. */
export function resetPlotlyForTests(): void {
  plotlyLoaded = false;
}

const BASE_LAYOUT = {
  template: "plotly_white",
  margin: { l: 60, r: 20, t: 50, b: 45 },
  height: 360,
  legend: { orientation: "h", y: -0.2 },
};

/**
 * plotly.js ≥ 3 dropped string titles (`title: "Reward"` draws nothing): turn the layout's and each axis's
 * string `title` into `{ text }`, so figures written either way show their titles.
 */
export function normalizeTitles(layout: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...layout };
  const fix = (t: unknown) => (typeof t === "string" ? { text: t } : t);
  if ("title" in out) out.title = fix(out.title);
  for (const [k, v] of Object.entries(out)) {
    if (/^[xy]axis\d*$/.test(k) && typeof v === "object" && v !== null && "title" in v) {
      out[k] = { ...(v as Record<string, unknown>), title: fix((v as { title: unknown }).title) };
    }
  }
  return out;
}

function titleText(layout: Record<string, unknown>): string {
  const t = layout.title as { text?: unknown } | undefined;
  return typeof t?.text === "string" ? t.text : "plot";
}

/** The bundle for one figure; `divId` must be unique in the page. */
export function figureBundle(fig: Figure, divId: string): MimeBundle {
  const layout = normalizeTitles({ ...BASE_LAYOUT, ...(fig.layout ?? {}) });
  const json = JSON.stringify({ data: fig.data, layout }).replace(/</g, "\\u003c");
  const html =
    `<div id="${divId}" class="open-rs-plot" style="width:100%;min-height:${String(layout.height)}px"></div>` +
    `<script type="text/javascript">(function(){var f=${json};var el=document.getElementById("${divId}");` +
    `if(window.Plotly&&el){window.Plotly.react(el,f.data,f.layout,{responsive:true,displaylogo:false});}` +
    `else if(el){el.textContent="plotly.js is not loaded: run plotlyInit() first";}})();</script>`;
  return {
    "text/html": html,
    "application/vnd.plotly.v1+json": { data: fig.data, layout },
    "text/plain": `<Figure: ${titleText(layout)}>`,
  };
}

/** Show a figure once. */
export function showFigure(fig: Figure): void {
  plotlyInit();
  const id = `plot-${Math.random().toString(36).slice(2, 10)}`;
  display(figureBundle(fig, id));
}

/** A chart redrawn in place (update_display_data) each time `show` is called. */
export class LivePlot {
  private readonly display: LiveDisplay;
  private readonly divId = `live-${Math.random().toString(36).slice(2, 10)}`;
  private count = 0;
  constructor(sink?: DisplaySink) {
    this.display = new LiveDisplay(sink ?? currentSink());
  }
  show(fig: Figure): void {
    plotlyInit();
    // A fresh div id per redraw: the HTML is replaced wholesale, and a stale id would target the old node.
    this.display.show(figureBundle(fig, `${this.divId}-${this.count++}`));
  }
}

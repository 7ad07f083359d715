/**
 * Offline plotly for notebooks. plotly.js (the official "basic" bundle: scatter, bar and pie traces, ≈1.2 MB)
 * is inlined into the notebook by `plotlyInit()`, so charts draw with networking off; the headless runner's
 * HTML carries one copy in the page head instead (scripts/nb/html.ts). Each chart is one bundle: text/html
 * (nbconvert, the classic UI), `application/vnd.plotly.v1+json` (UIs with a native plotly renderer) and, once
 * the runner has rendered it, a static image/png (GitHub, nbviewer) that is also the HTML's fallback.
 */
import { readFileSync } from "node:fs";
import { currentSink, type DisplaySink, display, LiveDisplay, type MimeBundle } from "./display";

/** A plotly figure: traces and layout, plain JSON. */
export interface Figure {
  data: Array<Record<string, unknown>>;
  layout?: Record<string, unknown>;
}

/** Trace types the basic bundle draws; a figure with any other type throws (it would render blank). */
export const BASIC_TRACE_TYPES: readonly string[] = ["scatter", "bar", "pie"];

/** Attribute that marks the script tag carrying the bundle (the HTML exporter keeps one copy per page). */
export const PLOTLY_BUNDLE_MARK = "data-open-rs-plotly";

let plotlyLoaded = false;

/** Path of the plotly.js bundle. */
export function plotlyBundlePath(): string {
  return require.resolve("plotly.js-basic-dist-min/plotly-basic.min.js");
}

/** The inlined plotly.js script tag. */
export function plotlyScriptTag(): string {
  return `<script type="text/javascript" ${PLOTLY_BUNDLE_MARK}="1">${readFileSync(plotlyBundlePath(), "utf8")}</script>`;
}

function emitBundle(sink?: DisplaySink): void {
  plotlyLoaded = true;
  new LiveDisplay(sink ?? currentSink()).show({
    "text/html": plotlyScriptTag(),
    "text/plain": "<plotly.js loaded>",
  });
}

/**
 * Inline plotly.js into the notebook. Every call emits it, so re-running the cell that calls it (which clears
 * its old output) never leaves a saved notebook without plotly. Charts emit it themselves, once per kernel,
 * when no cell has called this yet.
 */
export function plotlyInit(opts: { sink?: DisplaySink } = {}): void {
  emitBundle(opts.sink);
}

function ensurePlotly(sink?: DisplaySink): void {
  if (!plotlyLoaded) emitBundle(sink);
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
 * string `title` into `{ text }`, so figures written either way show their titles. Axes also get
 * `automargin` (unless set).
 */
export function normalizeTitles(layout: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...layout };
  const fix = (t: unknown) => (typeof t === "string" ? { text: t } : t);
  if ("title" in out) out.title = fix(out.title);
  for (const [k, v] of Object.entries(out)) {
    if (/^[xy]axis\d*$/.test(k) && typeof v === "object" && v !== null) {
      // automargin: the margins grow to fit tick labels and titles, so a title never sits on its ticks
      const axis = { automargin: true, ...(v as Record<string, unknown>) };
      if ("title" in axis) axis.title = fix(axis.title);
      out[k] = axis;
    }
  }
  return out;
}

function titleText(layout: Record<string, unknown>): string {
  const t = layout.title as { text?: unknown } | undefined;
  return typeof t?.text === "string" ? t.text : "plot";
}

/** Throws when a trace type is not in the basic bundle (it would draw nothing). */
export function checkTraceTypes(fig: Figure): void {
  for (const t of fig.data) {
    const type = typeof t.type === "string" ? t.type : "scatter";
    if (!BASIC_TRACE_TYPES.includes(type)) {
      throw new Error(
        `trace type "${type}" is not in plotly's basic bundle (${BASIC_TRACE_TYPES.join(", ")}); draw it as one of those`,
      );
    }
  }
}

/**
 * The chart's script: draw with Plotly.react as soon as plotly.js is there (now, or once the page has loaded,
 * wherever the bundle sits in it); a static fallback image, when the runner added one, is replaced.
 */
function drawScript(json: string, divId: string): string {
  return (
    `<script type="text/javascript">(function(){var f=${json};var el=document.getElementById("${divId}");` +
    `function draw(){if(!el||!window.Plotly)return false;var img=el.querySelector("img.open-rs-static");` +
    `if(img)img.remove();window.Plotly.react(el,f.data,f.layout,{responsive:true,displaylogo:false});return true;}` +
    `function miss(){if(el&&!el.querySelector("img.open-rs-static"))el.textContent="plotly.js is not loaded: run plotlyInit() first";}` +
    `if(!draw()){if(document.readyState==="loading")document.addEventListener("DOMContentLoaded",function(){if(!draw())miss();});else miss();}` +
    `})();</script>`
  );
}

/** The bundle for one figure; `divId` must be unique in the page. */
export function figureBundle(fig: Figure, divId: string): MimeBundle {
  checkTraceTypes(fig);
  const layout = normalizeTitles({ ...BASE_LAYOUT, ...(fig.layout ?? {}) });
  const json = JSON.stringify({ data: fig.data, layout }).replace(/</g, "\\u003c");
  const html =
    `<div id="${divId}" class="open-rs-plot" style="width:100%;min-height:${String(layout.height)}px"></div>` +
    drawScript(json, divId);
  return {
    "text/html": html,
    "application/vnd.plotly.v1+json": { data: fig.data, layout },
    "text/plain": `<Figure: ${titleText(layout)}>`,
  };
}

/** Show a figure once. */
export function showFigure(fig: Figure): void {
  ensurePlotly();
  const id = `plot-${Math.random().toString(36).slice(2, 10)}`;
  display(figureBundle(fig, id));
}

/** A chart redrawn in place (update_display_data) each time `show` is called. */
export class LivePlot {
  private readonly display: LiveDisplay;
  private readonly sink: DisplaySink;
  private readonly divId = `live-${Math.random().toString(36).slice(2, 10)}`;
  private count = 0;
  constructor(sink?: DisplaySink) {
    this.sink = sink ?? currentSink();
    this.display = new LiveDisplay(this.sink);
  }
  show(fig: Figure): void {
    ensurePlotly(this.sink);
    // A fresh div id per redraw: the HTML is replaced wholesale, and a stale id would target the old node.
    this.display.show(figureBundle(fig, `${this.divId}-${this.count++}`));
  }
}

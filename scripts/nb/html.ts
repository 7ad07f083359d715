/**
 * An executed notebook → one self-contained HTML page (what nbconvert's HTML exporter did, without Python):
 * markdown cells through `marked`, TypeScript code highlighted with TypeScript's own scanner, outputs by
 * Jupyter's mime priority. plotly.js is put in the page once, in <head>, only when a chart is shown, whatever
 * the notebook's cells did with it (so a re-run `plotlyInit()` cell cannot leave charts without their library).
 */
import { readFileSync } from "node:fs";
import { marked } from "marked";
import { PLOTLY_BUNDLE_MARK, plotlyBundlePath } from "../../src/kernel-helpers/plotly";
import { type Cell, joinText, type MimeData, type Notebook, type Output } from "./nbformat";

/** Where a report's charts get plotly.js from. */
export type PlotlySource = "inline" | { src: string };

/** Options of {@link notebookToHtml}. */
export interface HtmlOptions {
  /** Page title (default: the first markdown heading). */
  title?: string;
  /** "inline" (default): the bundle inside the page; `{ src }`: a script tag pointing at a file. */
  plotly?: PlotlySource;
}

const ANSI_RE = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Escape text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** Terminal text as a frontend shows it: a `\r` rewinds to the line start, ANSI colour codes are dropped. */
export function terminalText(s: string): string {
  return s
    .replace(ANSI_RE, "")
    .split("\n")
    .map((line) => {
      const parts = line.split("\r").filter((p, i, all) => p !== "" || i === all.length - 1);
      return parts.length ? parts[parts.length - 1] : "";
    })
    .join("\n");
}

type Scanner = { setText(t: string): void; scan(): number; getTokenText(): string };
let tsApi: {
  createScanner(target: number, skipTrivia: boolean, variant: number): Scanner;
  ScriptTarget: { Latest: number };
  LanguageVariant: { Standard: number };
  SyntaxKind: Record<string, number>;
} | null = null;
let tsTried = false;

function loadTs() {
  if (!tsTried) {
    tsTried = true;
    try {
      tsApi = require("typescript");
    } catch {
      tsApi = null; // no highlighting without TypeScript (e.g. `npm ci --omit=dev`)
    }
  }
  return tsApi;
}

/** TypeScript source → HTML with token classes (keywords, strings, numbers, comments), via TS's scanner. */
export function highlightTs(code: string): string {
  const ts = loadTs();
  if (!ts) return escapeHtml(code);
  const K = ts.SyntaxKind;
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard);
  scanner.setText(code);
  let out = "";
  for (let kind = scanner.scan(); kind !== K.EndOfFileToken; kind = scanner.scan()) {
    const text = escapeHtml(scanner.getTokenText());
    let cls = "";
    if (kind === K.SingleLineCommentTrivia || kind === K.MultiLineCommentTrivia) cls = "c";
    else if (
      kind === K.StringLiteral ||
      kind === K.NoSubstitutionTemplateLiteral ||
      kind === K.TemplateHead ||
      kind === K.TemplateMiddle ||
      kind === K.TemplateTail
    )
      cls = "s";
    else if (kind === K.NumericLiteral || kind === K.BigIntLiteral) cls = "m";
    else if (kind >= K.FirstKeyword && kind <= K.LastKeyword) cls = "k";
    out += cls ? `<span class="${cls}">${text}</span>` : text;
  }
  return out;
}

const BUNDLE_RE = new RegExp(`<script[^>]*${PLOTLY_BUNDLE_MARK}[^>]*>[\\s\\S]*?</script>`, "g");
/** The static fallback image a chart carries inside its HTML (for viewers that run no scripts). */
const FALLBACK_RE = /<img class="open-rs-static"[^>]*>/g;

/** True when an output draws a plotly chart. */
export function isPlotlyOutput(o: Output): boolean {
  return (
    (o.output_type === "display_data" || o.output_type === "execute_result") &&
    o.data["application/vnd.plotly.v1+json"] !== undefined
  );
}

function mimeHtml(data: MimeData, plotlyInPage: boolean): string {
  const html = data["text/html"];
  if (html !== undefined) {
    let h = joinText(html);
    if (h.includes(PLOTLY_BUNDLE_MARK)) {
      h = h.replace(BUNDLE_RE, ""); // the page carries its own copy
      if (h.trim() === "") return "";
    }
    if (plotlyInPage) h = h.replace(FALLBACK_RE, "");
    return `<div class="out-html">${h}</div>`;
  }
  const md = data["text/markdown"];
  if (md !== undefined) return `<div class="out-md">${marked.parse(joinText(md), { async: false })}</div>`;
  const svg = data["image/svg+xml"];
  if (svg !== undefined) return `<div class="out-img">${joinText(svg)}</div>`;
  for (const mime of ["image/png", "image/jpeg"]) {
    const b64 = data[mime];
    if (typeof b64 === "string") {
      return `<div class="out-img"><img src="data:${mime};base64,${b64.replace(/\s/g, "")}" alt="output"></div>`;
    }
  }
  const text = data["text/plain"];
  if (text !== undefined) return `<pre class="out-text">${escapeHtml(terminalText(joinText(text)))}</pre>`;
  return "";
}

function outputHtml(o: Output, plotlyInPage: boolean): string {
  switch (o.output_type) {
    case "stream":
      return `<pre class="out-text out-${o.name}">${escapeHtml(terminalText(joinText(o.text)))}</pre>`;
    case "error":
      return `<pre class="out-text out-error">${escapeHtml(terminalText(o.traceback.join("\n") || `${o.ename}: ${o.evalue}`))}</pre>`;
    default:
      return mimeHtml(o.data, plotlyInPage);
  }
}

function cellHtml(cell: Cell, plotlyInPage: boolean): string {
  const src = joinText(cell.source);
  if (cell.cell_type === "markdown") {
    return `<section class="cell md">${marked.parse(src, { async: false })}</section>`;
  }
  if (cell.cell_type !== "code") return "";
  const count = cell.execution_count === null ? " " : String(cell.execution_count);
  const outs = cell.outputs.map((o) => outputHtml(o, plotlyInPage)).filter((h) => h !== "");
  return (
    `<section class="cell code"><div class="in"><span class="prompt">In&nbsp;[${count}]:</span>` +
    `<pre class="src">${highlightTs(src)}</pre></div>` +
    (outs.length ? `<div class="outs">${outs.join("\n")}</div>` : "") +
    "</section>"
  );
}

const CSS = `
body{margin:0;background:#fff;color:#1f2328;font:15px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif}
main{max-width:1100px;margin:0 auto;padding:24px 20px 60px}
.cell{margin:14px 0}
.md h1{font-size:1.7em;border-bottom:1px solid #ddd;padding-bottom:.2em}.md h2{font-size:1.35em;margin-top:1.4em}
.md code,.out-md code{background:#f2f3f5;padding:1px 4px;border-radius:3px;font-size:.9em}
.md table,.out-md table{border-collapse:collapse;margin:.6em 0;font-size:13px}
.md th,.md td,.out-md th,.out-md td{border:1px solid #ddd;padding:3px 8px}
.in{display:flex;gap:8px;align-items:flex-start}
.prompt{flex:0 0 64px;color:#6e7781;font:12px/1.9 ui-monospace,monospace;text-align:right}
pre{margin:0;font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap;word-break:break-word}
.src{flex:1;min-width:0;background:#f6f8fa;border:1px solid #e5e7eb;border-radius:4px;padding:8px 10px}
.src .k{color:#cf222e}.src .s{color:#0a3069}.src .m{color:#0550ae}.src .c{color:#6e7781;font-style:italic}
.outs{margin-left:72px;margin-top:6px;min-width:0}
.outs>*{margin:4px 0;max-width:100%;overflow-x:auto}
.out-stderr{background:#fff5f5;padding:4px 8px}
.out-error{background:#ffebe9;border-left:3px solid #cf222e;padding:6px 10px}
.out-img img{max-width:100%}
@media (max-width:700px){.in{display:block}.prompt{display:none}.outs{margin-left:0}}
`;

/** The page for `nb` (self-contained when `plotly` is "inline"). */
export function notebookToHtml(nb: Notebook, opts: HtmlOptions = {}): string {
  const hasChart = nb.cells.some((c) => c.cell_type === "code" && c.outputs.some(isPlotlyOutput));
  const plotly = opts.plotly ?? "inline";
  const inPage = hasChart && plotly === "inline";
  const firstHeading = nb.cells
    .filter((c) => c.cell_type === "markdown")
    .map((c) => /^#\s+(.+)$/m.exec(joinText(c.source))?.[1])
    .find((t) => t);
  const title = opts.title ?? firstHeading ?? "notebook";
  const plotlyTag = !hasChart
    ? ""
    : plotly === "inline"
      ? `<script type="text/javascript">${readFileSync(plotlyBundlePath(), "utf8")}</script>`
      : `<script type="text/javascript" src="${escapeHtml(plotly.src)}"></script>`;
  const body = nb.cells.map((c) => cellHtml(c, inPage)).join("\n");
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(title.replace(/[*`_]/g, ""))}</title><style>${CSS}</style>${plotlyTag}</head>\n` +
    `<body><main>\n${body}\n</main></body></html>\n`
  );
}

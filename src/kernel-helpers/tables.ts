/**
 * Result tables for notebooks: the pass@1 table (benchmarks × checkpoints × protocols, ± stderr, paper values
 * beside) as an arquero table with HTML and markdown views, and a sortable completions browser.
 */
import * as aq from "arquero";
import { display, escapeHtml } from "./display";

/** One measured cell of a pass@1 table. `pass1` and `stderr` are fractions in [0, 1]. */
export interface PassAtOneEntry {
  benchmark: string;
  checkpoint: string;
  /** e.g. "paper (n=1)" or "avg@8". */
  protocol: string;
  pass1: number;
  stderr?: number;
  n?: number;
}

/** Reported values to print beside ours: model name → benchmark → percent, as published. */
export type ReportedValues = Record<string, Record<string, number>>;

function fmt(pass1: number, stderr?: number): string {
  const p = (100 * pass1).toFixed(1);
  return stderr === undefined ? p : `${p} ± ${(100 * stderr).toFixed(1)}`;
}

/**
 * Pivot entries into one row per benchmark (plus "Average", the unweighted mean over benchmarks as the paper
 * computes it) and one column per checkpoint·protocol; reported values follow as extra columns.
 */
export function passAtOneTable(entries: PassAtOneEntry[], reported: ReportedValues = {}): aq.ColumnTable {
  const benchmarks = [...new Set(entries.map((e) => e.benchmark))];
  const columns = [...new Set(entries.map((e) => `${e.checkpoint} · ${e.protocol}`))];
  const cell = new Map(entries.map((e) => [`${e.benchmark}|${e.checkpoint} · ${e.protocol}`, e]));
  const rows: Record<string, string>[] = benchmarks.map((b) => {
    const row: Record<string, string> = { benchmark: b };
    for (const c of columns) {
      const e = cell.get(`${b}|${c}`);
      row[c] = e ? fmt(e.pass1, e.stderr) : "–";
    }
    for (const [model, vals] of Object.entries(reported)) {
      row[`${model} (reported)`] = vals[b] === undefined ? "–" : vals[b].toFixed(1);
    }
    return row;
  });
  const avg: Record<string, string> = { benchmark: "Average" };
  for (const c of columns) {
    const es = benchmarks.map((b) => cell.get(`${b}|${c}`)).filter((e): e is PassAtOneEntry => !!e);
    avg[c] = es.length === benchmarks.length ? fmt(es.reduce((a, e) => a + e.pass1, 0) / es.length) : "–";
  }
  for (const [model, vals] of Object.entries(reported)) {
    const vs = benchmarks.map((b) => vals[b]).filter((v): v is number => v !== undefined);
    avg[`${model} (reported)`] =
      vs.length === benchmarks.length ? (vs.reduce((a, v) => a + v, 0) / vs.length).toFixed(1) : "–";
  }
  if (benchmarks.length > 1) rows.push(avg);
  return aq.from(rows);
}

const TABLE_STYLE =
  "<style>.open-rs-table table{border-collapse:collapse;font:13px system-ui,sans-serif}" +
  ".open-rs-table th,.open-rs-table td{border:1px solid #ddd;padding:4px 8px;text-align:right}" +
  ".open-rs-table th{background:#f3f3f3;cursor:pointer}.open-rs-table td:first-child{text-align:left}</style>";

/** Show the pass@1 table in the notebook; returns the arquero table. */
export function showPassAtOne(
  entries: PassAtOneEntry[],
  reported: ReportedValues = {},
  caption?: string,
): aq.ColumnTable {
  const t = passAtOneTable(entries, reported);
  const cap = caption ? `<p><b>${escapeHtml(caption)}</b></p>` : "";
  display({
    "text/html": `${TABLE_STYLE}<div class="open-rs-table open-rs-pass1">${cap}${t.toHTML()}</div>`,
    "text/markdown": t.toMarkdown(),
    "text/plain": t.toMarkdown(),
  });
  return t;
}

/** One sampled completion as completions.jsonl records it. */
export interface CompletionRecord {
  step: number;
  prompt: string;
  completion: string;
  advantage?: number;
  rewards?: Record<string, number | null>;
  [k: string]: unknown;
}

const SORT_JS =
  "<script>function openRsSort(th){var t=th.closest('table'),i=[].indexOf.call(th.parentNode.children,th)," +
  "asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';var rows=[].slice.call(t.tBodies[0].rows);" +
  "rows.sort(function(a,b){var x=a.cells[i].dataset.v,y=b.cells[i].dataset.v,nx=parseFloat(x),ny=parseFloat(y);" +
  "var c=(isNaN(nx)||isNaN(ny))?x.localeCompare(y):nx-ny;return asc?c:-c;});" +
  "rows.forEach(function(r){t.tBodies[0].appendChild(r);});}</script>";

/** HTML for a sortable table of completions with their rewards and advantages (click a header to sort). */
export function completionsBrowserHtml(
  records: CompletionRecord[],
  opts: { maxChars?: number } = {},
): string {
  const maxChars = opts.maxChars ?? 600;
  const rewardNames = [...new Set(records.flatMap((r) => Object.keys(r.rewards ?? {})))].sort();
  const head = ["step", "prompt", "completion", ...rewardNames, "advantage"]
    .map((h) => `<th onclick="openRsSort(this)">${escapeHtml(h)}</th>`)
    .join("");
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const td = (v: unknown, text: string) => `<td data-v="${escapeHtml(String(v ?? ""))}">${text}</td>`;
  const clip = (s: string) => escapeHtml(s.length > maxChars ? `${s.slice(0, maxChars)}…` : s);
  const body = records
    .map((r) => {
      const cells = [
        td(r.step, String(r.step)),
        `<td data-v="${escapeHtml(r.prompt.slice(-80))}" style="text-align:left;max-width:280px"><small>${clip(r.prompt.slice(-300))}</small></td>`,
        `<td data-v="${r.completion.length}" style="text-align:left;white-space:pre-wrap;max-width:520px"><small>${clip(r.completion)}</small></td>`,
        ...rewardNames.map((n) => {
          const v = num(r.rewards?.[n]);
          return td(v, v === null ? "–" : v.toFixed(3));
        }),
        td(num(r.advantage), num(r.advantage) === null ? "–" : (r.advantage as number).toFixed(3)),
      ];
      return `<tr>${cells.join("")}</tr>`;
    })
    .join("");
  return `${TABLE_STYLE}${SORT_JS}<div class="open-rs-table open-rs-completions"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** Show the completions browser in the notebook. */
export function showCompletions(records: CompletionRecord[], opts: { maxChars?: number } = {}): void {
  display({
    "text/html": completionsBrowserHtml(records, opts),
    "text/plain": `<${records.length} completions>`,
  });
}

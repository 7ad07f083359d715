/**
 * Result tables for notebooks: the pass@1 table (one row per checkpoint · protocol, one column per benchmark,
 * as the paper's Table 1; ± stderr; reported values as extra rows) as an arquero table with HTML and markdown
 * views, and a sortable completions browser that shows each prompt as the conversation it encodes.
 * Every table fits the page (it wraps, or scrolls inside its own box), and a missing value reads "—".
 */
import * as aq from "arquero";
import { display, escapeHtml } from "./display";

/** What a table shows for a missing value. */
export const MISSING = "—";

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
 * One row per checkpoint · protocol (then one per reported model) and one column per benchmark, plus
 * "Average" (the unweighted mean over benchmarks, as the paper computes it; only where every benchmark has a
 * value). The first column is `model`.
 */
export function passAtOneTable(entries: PassAtOneEntry[], reported: ReportedValues = {}): aq.ColumnTable {
  const benchmarks = [...new Set(entries.map((e) => e.benchmark))];
  const models = [...new Set(entries.map((e) => `${e.checkpoint} · ${e.protocol}`))];
  const cell = new Map(entries.map((e) => [`${e.checkpoint} · ${e.protocol}|${e.benchmark}`, e]));
  const withAverage = benchmarks.length > 1;
  const rows: Record<string, string>[] = models.map((m) => {
    const row: Record<string, string> = { model: m };
    const es: PassAtOneEntry[] = [];
    for (const b of benchmarks) {
      const e = cell.get(`${m}|${b}`);
      row[b] = e ? fmt(e.pass1, e.stderr) : MISSING;
      if (e) es.push(e);
    }
    if (withAverage) {
      row.Average =
        es.length === benchmarks.length ? fmt(es.reduce((a, e) => a + e.pass1, 0) / es.length) : MISSING;
    }
    return row;
  });
  for (const [model, vals] of Object.entries(reported)) {
    const row: Record<string, string> = { model: `${model} (reported)` };
    for (const b of benchmarks) row[b] = vals[b] === undefined ? MISSING : vals[b].toFixed(1);
    if (withAverage) {
      const vs = benchmarks.map((b) => vals[b]).filter((v): v is number => v !== undefined);
      row.Average =
        vs.length === benchmarks.length ? (vs.reduce((a, v) => a + v, 0) / vs.length).toFixed(1) : MISSING;
    }
    rows.push(row);
  }
  return aq.from(rows);
}

/** CSS of every table the helpers show: compact, wrapping, scrolling inside its box when still too wide. */
export const TABLE_STYLE =
  "<style>.open-rs-table{max-width:100%;overflow-x:auto}" +
  ".open-rs-table table{border-collapse:collapse;font:12.5px/1.4 system-ui,sans-serif;max-width:100%}" +
  ".open-rs-table th,.open-rs-table td{border:1px solid #ddd;padding:3px 7px;text-align:right;vertical-align:top}" +
  ".open-rs-table th{background:#f3f3f3;white-space:normal;max-width:11em}" +
  ".open-rs-table td:first-child,.open-rs-table th:first-child{text-align:left}" +
  ".open-rs-table .sortable th{cursor:pointer}" +
  ".open-rs-table td.open-rs-chat{text-align:left;min-width:18em;max-width:46em}" +
  ".open-rs-chat .turn{margin:0 0 4px;white-space:pre-wrap;word-break:break-word}" +
  ".open-rs-chat .role{display:inline-block;font-size:10.5px;font-weight:600;text-transform:uppercase;" +
  "letter-spacing:.04em;padding:0 5px;margin-right:6px;border-radius:3px;background:#e8eef7;color:#24476b}" +
  ".open-rs-chat .role-assistant{background:#e6f4ea;color:#1e5631}.open-rs-chat .role-system{background:#eee;color:#555}" +
  "</style>";

/** Show the pass@1 table in the notebook; returns the arquero table. */
export function showPassAtOne(
  entries: PassAtOneEntry[],
  reported: ReportedValues = {},
  caption?: string,
): aq.ColumnTable {
  const t = passAtOneTable(entries, reported);
  const cap = caption ? `<p><b>${escapeHtml(caption)}</b></p>` : "";
  display({
    "text/html": `${TABLE_STYLE}<div class="open-rs-table open-rs-pass1">${cap}${t.toHTML({ null: () => MISSING })}</div>`,
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

/** One turn of a conversation. */
export interface ChatTurn {
  role: "system" | "user" | "assistant";
  content: string;
}

/**
 * The conversation a rendered chat prompt encodes, for the chat templates of the models we train: DeepSeek-R1
 * (`<｜User｜>` … `<｜Assistant｜>`), ChatML / Qwen (`<|im_start|>role`), Llama 3 (`<|start_header_id|>role`).
 * Special tokens are dropped; the last assistant turn holds the generation prefill (e.g. `<think>\n`).
 * A prompt in no known format is one user turn.
 */
export function parseChatPrompt(prompt: string): ChatTurn[] {
  const clean = (s: string) => s.replace(/<｜end▁of▁sentence｜>|<\|eot_id\|>|<\|im_end\|>/g, "").trim();
  if (prompt.includes("<｜User｜>") || prompt.includes("<｜Assistant｜>")) {
    const body = prompt.replace(/^<｜begin▁of▁sentence｜>/, "");
    const parts = body.split(/(<｜User｜>|<｜Assistant｜>)/);
    const turns: ChatTurn[] = [];
    if (clean(parts[0])) turns.push({ role: "system", content: clean(parts[0]) });
    for (let i = 1; i < parts.length; i += 2) {
      turns.push({
        role: parts[i] === "<｜User｜>" ? "user" : "assistant",
        content: clean(parts[i + 1] ?? ""),
      });
    }
    return turns;
  }
  const chatml = [
    ...prompt.matchAll(/<\|im_start\|>(system|user|assistant)\n([\s\S]*?)(?=<\|im_start\|>|$)/g),
  ];
  if (chatml.length) return chatml.map((m) => ({ role: m[1] as ChatTurn["role"], content: clean(m[2]) }));
  const llama = [
    ...prompt.matchAll(
      /<\|start_header_id\|>(system|user|assistant)<\|end_header_id\|>\n*([\s\S]*?)(?=<\|start_header_id\|>|$)/g,
    ),
  ];
  if (llama.length) return llama.map((m) => ({ role: m[1] as ChatTurn["role"], content: clean(m[2]) }));
  return [{ role: "user", content: prompt.trim() }];
}

const SORT_JS =
  "<script>function openRsSort(th){var t=th.closest('table'),i=[].indexOf.call(th.parentNode.children,th)," +
  "asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';var rows=[].slice.call(t.tBodies[0].rows);" +
  "rows.sort(function(a,b){var x=a.cells[i].dataset.v,y=b.cells[i].dataset.v,nx=parseFloat(x),ny=parseFloat(y);" +
  "var c=(isNaN(nx)||isNaN(ny))?x.localeCompare(y):nx-ny;return asc?c:-c;});" +
  "rows.forEach(function(r){t.tBodies[0].appendChild(r);});}</script>";

function turnHtml(role: string, text: string): string {
  return `<div class="turn"><span class="role role-${role}">${role}</span>${text}</div>`;
}

/**
 * HTML for a sortable table of completions (click a header to sort): the conversation (system, user, then the
 * assistant's prefill and completion) with role labels, each reward and the advantage.
 */
export function completionsBrowserHtml(
  records: CompletionRecord[],
  opts: { maxChars?: number } = {},
): string {
  const maxChars = opts.maxChars ?? 600;
  const rewardNames = [...new Set(records.flatMap((r) => Object.keys(r.rewards ?? {})))].sort();
  const head = ["step", "conversation", ...rewardNames, "advantage"]
    .map((h) => `<th onclick="openRsSort(this)">${escapeHtml(h)}</th>`)
    .join("");
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const td = (v: unknown, text: string) => `<td data-v="${escapeHtml(String(v ?? ""))}">${text}</td>`;
  const clip = (s: string) => escapeHtml(s.length > maxChars ? `${s.slice(0, maxChars)}…` : s);
  const body = records
    .map((r) => {
      const turns = parseChatPrompt(r.prompt);
      const last = turns[turns.length - 1];
      const prefill = last?.role === "assistant" ? last.content : "";
      const shown = (last?.role === "assistant" ? turns.slice(0, -1) : turns)
        .map((t) => turnHtml(t.role, clip(t.content)))
        .join("");
      const answer = prefill ? `${prefill}\n${r.completion}` : r.completion;
      const convo = `${shown}${turnHtml("assistant", clip(answer))}`;
      const cells = [
        td(r.step, String(r.step)),
        `<td class="open-rs-chat" data-v="${r.completion.length}">${convo}</td>`,
        ...rewardNames.map((n) => {
          const v = num(r.rewards?.[n]);
          return td(v, v === null ? MISSING : v.toFixed(3));
        }),
        td(num(r.advantage), num(r.advantage) === null ? MISSING : (r.advantage as number).toFixed(3)),
      ];
      return `<tr>${cells.join("")}</tr>`;
    })
    .join("");
  return `${TABLE_STYLE}${SORT_JS}<div class="open-rs-table open-rs-completions"><table class="sortable"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** Show the completions browser in the notebook. */
export function showCompletions(records: CompletionRecord[], opts: { maxChars?: number } = {}): void {
  display({
    "text/html": completionsBrowserHtml(records, opts),
    "text/plain": `<${records.length} completions>`,
  });
}

/**
 * Small things every notebook needs: parameters that the headless runner can override through the
 * environment, markdown and table output, and the completions a run logged.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readJsonl } from "../io/jsonl";
import { display, escapeHtml } from "./display";
import { type CompletionRecord, MISSING, TABLE_STYLE } from "./tables";

/**
 * A number from the environment (what `scripts/run-notebooks.ts` and the tests use to shrink a run), else
 * `fallback`. A set but non-numeric value throws, naming the variable.
 */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new Error(`${name}=${JSON.stringify(raw)} is not a number`);
  return v;
}

/** One of `allowed` from the environment, else `fallback`; anything else throws, listing the choices. */
export function envChoice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new Error(`${name}=${JSON.stringify(raw)}: use one of ${allowed.join(", ")}`);
  }
  return raw as T;
}

/** Show markdown (rendered by Jupyter and by nbconvert's HTML export). */
export function displayMarkdown(md: string): void {
  display({ "text/markdown": md, "text/plain": md });
}

/** Anything with arquero's `toHTML` / `toMarkdown`. */
export interface HtmlTable {
  toHTML(opts?: Record<string, unknown>): string;
  toMarkdown(opts?: Record<string, unknown>): string;
}

/**
 * Show an arquero table with an optional caption (at most `limit` rows, default 50): it fits the page (wraps,
 * or scrolls in its own box), and a missing value (null, undefined) reads "—".
 */
export function showTable(table: HtmlTable, caption?: string, limit = 50): void {
  const cap = caption ? `<p><b>${escapeHtml(caption)}</b></p>` : "";
  const html = table.toHTML({ limit, null: () => MISSING });
  display({
    "text/html": `${TABLE_STYLE}<div class="open-rs-table open-rs-data">${cap}${html}</div>`,
    "text/plain": table.toMarkdown({ limit }),
  });
}

const RECORD_KEYS = new Set(["step", "prompt", "completion", "advantage"]);

/** A completions.jsonl line → a {@link CompletionRecord}: numeric columns other than step/advantage are rewards. */
export function completionRecord(line: Record<string, unknown>): CompletionRecord {
  const rewards: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(line)) {
    if (RECORD_KEYS.has(k)) continue;
    if (typeof v === "number" || v === null) rewards[k] = v;
  }
  return {
    step: Number(line.step),
    prompt: String(line.prompt ?? ""),
    completion: String(line.completion ?? ""),
    advantage: typeof line.advantage === "number" ? line.advantage : undefined,
    rewards,
  };
}

/**
 * The completions a GRPO run logged (`<outputDir>/completions.jsonl`, written with `log_completions: true`):
 * those of `step` ("last" by default, or "all"), at most `limit`.
 */
export function readCompletions(
  outputDir: string,
  opts: { step?: number | "last" | "all"; limit?: number } = {},
): CompletionRecord[] {
  const file = join(outputDir, "completions.jsonl");
  if (!existsSync(file)) {
    throw new Error(`${file} not found: train with log_completions: true and output_dir: ${outputDir}`);
  }
  const all = readJsonl(file).map(completionRecord);
  const want = opts.step ?? "last";
  const lastStep = all.length ? all[all.length - 1].step : 0;
  const picked = want === "all" ? all : all.filter((r) => r.step === (want === "last" ? lastStep : want));
  return picked.slice(0, opts.limit ?? picked.length);
}

/**
 * A progress bar for long work (training steps, eval samples, SFT epochs). In a notebook it is an HTML bar
 * redrawn in place; in a terminal it is one line on stderr rewritten with `\r`; elsewhere (CI logs) it prints
 * a plain line every 10%.
 */
import { type DisplaySink, escapeHtml, inNotebook, LiveDisplay } from "./display";

export interface ProgressOptions {
  /** Shown before the bar. */
  label?: string;
  /** Minimum milliseconds between redraws (the last update always draws). Default 250. */
  throttleMs?: number;
  /** Force a target: notebook display, terminal line, or plain log lines. Default: detected. */
  mode?: "notebook" | "terminal" | "log";
  sink?: DisplaySink;
  /** Clock, for tests. */
  now?: () => number;
}

/** Seconds → "1h02m", "3m05s" or "12s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

export class ProgressBar {
  private done = 0;
  private readonly start: number;
  private lastDraw = -Infinity;
  private lastLoggedDecile = -1;
  private readonly mode: "notebook" | "terminal" | "log";
  private readonly display?: LiveDisplay;
  private readonly now: () => number;
  private info = "";

  constructor(
    readonly total: number,
    private readonly opts: ProgressOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.start = this.now();
    this.mode = opts.mode ?? (inNotebook() ? "notebook" : process.stderr.isTTY ? "terminal" : "log");
    if (this.mode === "notebook") this.display = new LiveDisplay(opts.sink);
  }

  /** Advance by `n` and optionally replace the trailing info text (e.g. "reward 0.41 · len 52"). */
  tick(n = 1, info?: string): void {
    this.update(this.done + n, info);
  }

  /** Set the absolute count. */
  update(done: number, info?: string): void {
    this.done = Math.min(done, this.total);
    if (info !== undefined) this.info = info;
    const t = this.now();
    const final = this.done >= this.total;
    if (!final && t - this.lastDraw < (this.opts.throttleMs ?? 250)) return;
    this.lastDraw = t;
    this.draw(final);
  }

  /** The text of the bar as it would be drawn now. */
  text(): string {
    const frac = this.total > 0 ? this.done / this.total : 1;
    const elapsed = (this.now() - this.start) / 1000;
    const eta = this.done > 0 ? (elapsed * (this.total - this.done)) / this.done : Number.NaN;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    const label = this.opts.label ? `${this.opts.label} ` : "";
    const tail = this.info ? ` · ${this.info}` : "";
    return `${label}${bar} ${this.done}/${this.total} [${formatDuration(elapsed)} < ${formatDuration(eta)}]${tail}`;
  }

  private draw(final: boolean): void {
    const text = this.text();
    if (this.mode === "notebook") {
      const pct = this.total > 0 ? (100 * this.done) / this.total : 100;
      this.display!.show({
        "text/html":
          `<div style="font:12px monospace"><div style="background:#eee;width:360px;height:10px;display:inline-block;vertical-align:middle">` +
          `<div style="background:#3182bd;height:10px;width:${pct.toFixed(1)}%"></div></div> ${escapeHtml(text.replace(/[█░]+ /, ""))}</div>`,
        "text/plain": text,
      });
    } else if (this.mode === "terminal") {
      process.stderr.write(`\r${text}${final ? "\n" : ""}`);
    } else {
      const decile = Math.floor((10 * this.done) / Math.max(1, this.total));
      if (decile !== this.lastLoggedDecile || final) {
        this.lastLoggedDecile = decile;
        process.stderr.write(`${text}\n`);
      }
    }
  }
}

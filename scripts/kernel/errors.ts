/**
 * Turn what a cell threw into a Jupyter `error` message (ename, evalue, traceback): stack frames are mapped
 * back to the TypeScript lines of the cell (and of the library files tslab compiled), the kernel's own frames
 * (tslab, node:vm, Node internals) are dropped, and the failing cell line is quoted with its neighbours, as
 * IPython does. Pure functions: the kernel patch (./patch.ts) supplies the maps.
 */

/** One parsed stack frame. */
export interface Frame {
  fn: string | null;
  file: string;
  /** 1-based, as V8 prints them. */
  line: number;
  column: number;
}

/** A frame after mapping: where it is in TypeScript, and how to name it. */
export interface MappedFrame {
  fn: string | null;
  /** "Cell In[3]" or a path relative to the repo root. */
  where: string;
  /** 1-based line and column. */
  line: number;
  column: number;
  /** Execution count when the frame is in a cell. */
  cell?: number;
}

/** The Jupyter error content. */
export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Maps a generated position to TypeScript; null drops the frame (the kernel's own code, or unknown lines). */
export type FrameMapper = (frame: Frame) => MappedFrame | null;

const FRAME_RE = /^\s*at (?:async )?(?:(.+?) \()?((?:node:|file:\/\/)?[^()]*?):(\d+):(\d+)\)?\s*$/;

/** The frames of a V8 stack (lines that start with "at"); other lines (the message) are skipped. */
export function parseStack(stack: string): Frame[] {
  const out: Frame[] = [];
  for (const line of stack.split("\n")) {
    const m = FRAME_RE.exec(line);
    if (!m) continue;
    out.push({ fn: m[1] ?? null, file: m[2], line: Number(m[3]), column: Number(m[4]) });
  }
  return out;
}

/** Frames that belong to the kernel machinery, never to the user's code. */
export function isKernelFrame(file: string): boolean {
  return (
    file.startsWith("node:") ||
    file.includes("/node_modules/tslab/") ||
    file.includes("/node_modules/tsx/") ||
    /\/scripts\/(kernel\/|tslab-kernel\.ts)/.test(file) ||
    file === "evalmachine.<anonymous>"
  );
}

/** name and message of any thrown value. */
export function describeThrown(e: unknown): { ename: string; evalue: string; stack: string } {
  if (e instanceof Error || (typeof e === "object" && e !== null && "message" in e)) {
    const err = e as { name?: unknown; message?: unknown; stack?: unknown; constructor?: { name?: string } };
    const ename = typeof err.name === "string" && err.name ? err.name : (err.constructor?.name ?? "Error");
    return {
      ename,
      evalue: String(err.message ?? ""),
      stack: typeof err.stack === "string" ? err.stack : "",
    };
  }
  return {
    ename: "Error",
    evalue: `thrown value: ${typeof e === "string" ? e : JSON.stringify(e)}`,
    stack: "",
  };
}

/** Up to `context` lines either side of `line` (1-based), IPython style: "----> 4   code". */
export function quoteLines(source: string, line: number, context = 2): string[] {
  const lines = source.split("\n");
  const from = Math.max(1, line - context);
  const to = Math.min(lines.length, line + context);
  const width = String(to).length;
  const out: string[] = [];
  for (let i = from; i <= to; i++) {
    const mark = i === line ? "---->" : "     ";
    out.push(`${mark} ${String(i).padStart(width)} ${lines[i - 1]}`);
  }
  return out;
}

/**
 * The error content for `e`: the first frame in a cell is quoted with its neighbours (`cellSource` gives a
 * cell's code by execution count), then "Name: message", then every kept frame, innermost first.
 */
export function formatRuntimeError(
  e: unknown,
  mapFrame: FrameMapper,
  cellSource: (count: number) => string | undefined,
): ErrorContent {
  const { ename, evalue, stack } = describeThrown(e);
  const frames = parseStack(stack)
    .map((f) => (isKernelFrame(f.file) ? null : mapFrame(f)))
    .filter((f): f is MappedFrame => f !== null);
  const traceback: string[] = [];
  const inCell = frames.find((f) => f.cell !== undefined);
  if (inCell?.cell !== undefined) {
    const src = cellSource(inCell.cell);
    traceback.push(`${inCell.where}, line ${inCell.line}`);
    if (src !== undefined) traceback.push(...quoteLines(src, inCell.line));
    traceback.push("");
  }
  traceback.push(`${ename}: ${evalue}`);
  for (const f of frames) {
    const loc = `${f.where}:${f.line}:${f.column}`;
    traceback.push(f.fn ? `    at ${f.fn} (${loc})` : `    at ${loc}`);
  }
  return { ename, evalue, traceback };
}

/** A TypeScript diagnostic as tslab reports it (0-based line and column). */
export interface Diagnostic {
  /** Repo-relative file, or undefined for the cell itself. */
  file?: string;
  line: number;
  column: number;
  message: string;
}

/** The error content for a cell that did not compile: every diagnostic, the cell's lines quoted with a caret. */
export function formatDiagnostics(diags: readonly Diagnostic[], count: number, source: string): ErrorContent {
  const where = (d: Diagnostic) =>
    d.file
      ? `${d.file}:${d.line + 1}:${d.column + 1}`
      : `Cell In[${count}], line ${d.line + 1}:${d.column + 1}`;
  const first = diags[0];
  const more = diags.length > 1 ? ` (and ${diags.length - 1} more)` : "";
  const traceback: string[] = [];
  const lines = source.split("\n");
  for (const d of diags) {
    traceback.push(`${where(d)} - ${d.message}`);
    if (!d.file && lines[d.line] !== undefined) {
      traceback.push(`    ${lines[d.line]}`, `    ${" ".repeat(d.column)}^`);
    }
  }
  return {
    ename: "TSError",
    evalue: first ? `${first.message}${more}` : "the cell did not compile",
    traceback,
  };
}

/**
 * Execute a notebook's code cells in order on a kernel and record what nbclient would: streams (merged),
 * display data (updated in place by `update_display_data`, wherever the display id was shown), results,
 * errors, `clear_output`, and each cell's execution count. Stops at the first failing cell, like
 * `jupyter nbconvert --execute` without `--allow-errors`.
 */
import type { JupyterMessage, KernelClient } from "./kernel-client";
import {
  type CodeCell,
  type ErrorOutput,
  joinText,
  type MimeData,
  type Notebook,
  type Output,
} from "./nbformat";

/** Why a cell did not finish. */
export interface CellFailure {
  /** Index in `nb.cells`. */
  cell: number;
  /** "error" (the code threw or did not compile), "timeout", or "kernel died". */
  reason: "error" | "timeout" | "kernel died";
  /** The error output, when the kernel sent one. */
  error?: ErrorOutput;
  message: string;
}

/** Result of {@link executeCells}. */
export interface Execution {
  nb: Notebook;
  /** Seconds per code cell (index in `nb.cells` → seconds). */
  seconds: Map<number, number>;
  failure: CellFailure | null;
}

/** Options of {@link executeCells}. */
export interface ExecuteCellsOptions {
  /** Per-cell limit in seconds (the cell is interrupted, then the run stops). Default: none. */
  cellTimeout?: number;
  /** Called when a cell starts (index in `nb.cells`, its code). */
  onCellStart?: (index: number, code: string) => void;
  /** Called with each stream text as it arrives (e.g. to echo progress on the terminal). */
  onStream?: (name: string, text: string) => void;
}

type Where = { cell: CodeCell; index: number };

/** Output collector for one notebook: routes iopub messages to cells by parent message id. */
class Collector {
  private readonly byMsg = new Map<string, CodeCell>();
  private readonly displays = new Map<string, Where[]>();
  private readonly clearPending = new Set<CodeCell>();
  constructor(private readonly onStream?: (name: string, text: string) => void) {}

  register(msgId: string, cell: CodeCell): void {
    this.byMsg.set(msgId, cell);
  }

  private push(cell: CodeCell, out: Output, displayId?: string): void {
    if (this.clearPending.has(cell)) {
      this.clearPending.delete(cell);
      this.clear(cell);
    }
    cell.outputs.push(out);
    if (displayId) {
      const list = this.displays.get(displayId) ?? [];
      list.push({ cell, index: cell.outputs.length - 1 });
      this.displays.set(displayId, list);
    }
  }

  private clear(cell: CodeCell): void {
    cell.outputs = [];
    for (const [id, list] of this.displays) {
      this.displays.set(
        id,
        list.filter((w) => w.cell !== cell),
      );
    }
  }

  handle(m: JupyterMessage): void {
    const c = m.content;
    const type = m.header.msg_type;
    if (type === "update_display_data") {
      const id = (c.transient as { display_id?: string } | undefined)?.display_id;
      for (const w of (id && this.displays.get(id)) || []) {
        const o = w.cell.outputs[w.index];
        if (o && o.output_type === "display_data") {
          o.data = c.data as MimeData;
          o.metadata = (c.metadata ?? {}) as Record<string, unknown>;
        }
      }
      return;
    }
    const cell = this.byMsg.get(m.parent_header.msg_id ?? "");
    if (!cell) return;
    switch (type) {
      case "execute_input":
        cell.execution_count = (c.execution_count as number) ?? cell.execution_count;
        return;
      case "stream": {
        const name = c.name as "stdout" | "stderr";
        const text = String(c.text ?? "");
        this.onStream?.(name, text);
        const last = cell.outputs[cell.outputs.length - 1];
        if (!this.clearPending.has(cell) && last?.output_type === "stream" && last.name === name) {
          last.text = joinText(last.text) + text;
        } else this.push(cell, { output_type: "stream", name, text });
        return;
      }
      case "display_data": {
        const id = (c.transient as { display_id?: string } | undefined)?.display_id;
        const out: Output = {
          output_type: "display_data",
          data: c.data as MimeData,
          metadata: (c.metadata ?? {}) as Record<string, unknown>,
        };
        this.push(cell, out, id);
        return;
      }
      case "execute_result":
        this.push(cell, {
          output_type: "execute_result",
          execution_count: (c.execution_count as number) ?? null,
          data: c.data as MimeData,
          metadata: (c.metadata ?? {}) as Record<string, unknown>,
        });
        return;
      case "error":
        this.push(cell, {
          output_type: "error",
          ename: String(c.ename ?? "Error"),
          evalue: String(c.evalue ?? ""),
          traceback: (c.traceback as string[]) ?? [],
        });
        return;
      case "clear_output":
        if (c.wait) this.clearPending.add(cell);
        else this.clear(cell);
        return;
    }
  }
}

/** Run one execute_request: resolves with the reply once the reply and the kernel's idle status are both in. */
function runCell(
  client: KernelClient,
  collector: Collector,
  cell: CodeCell,
  timeoutS: number | undefined,
): Promise<{ reply: JupyterMessage | null; timedOut: boolean }> {
  const msgId = crypto.randomUUID();
  collector.register(msgId, cell);
  let idle!: () => void;
  const idleSeen = new Promise<void>((r) => {
    idle = r;
  });
  const off = client.onIopub((m) => {
    if (
      m.header.msg_type === "status" &&
      m.parent_header.msg_id === msgId &&
      m.content.execution_state === "idle"
    )
      idle();
  });
  const reply = client.request(
    "execute_request",
    {
      code: joinText(cell.source),
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    },
    "shell",
    msgId,
  );
  const done = Promise.all([reply, idleSeen]).then(([r]) => ({ reply: r, timedOut: false }));
  if (!timeoutS) return done.finally(off);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(async () => {
      client.interrupt();
      const late = await Promise.race([done, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
      off();
      resolve({ reply: late?.reply ?? null, timedOut: true });
    }, timeoutS * 1000);
    done.then(
      (r) => {
        clearTimeout(timer);
        off();
        resolve(r);
      },
      (e) => {
        clearTimeout(timer);
        off();
        reject(e);
      },
    );
  });
}

/**
 * Execute every code cell of `input` on `client` (outputs and counts are replaced; the input is not changed).
 * Never throws for a failing cell: the result's `failure` says which cell and why.
 */
export async function executeCells(
  client: KernelClient,
  input: Notebook,
  opts: ExecuteCellsOptions = {},
): Promise<Execution> {
  const nb: Notebook = structuredClone(input);
  for (const c of nb.cells) {
    if (c.cell_type === "code") {
      c.outputs = [];
      c.execution_count = null;
    }
  }
  nb.metadata = { ...nb.metadata, language_info: client.info.language_info ?? nb.metadata.language_info };
  const collector = new Collector(opts.onStream);
  const off = client.onIopub((m) => collector.handle(m));
  const seconds = new Map<number, number>();
  let failure: CellFailure | null = null;
  try {
    for (const [index, cell] of nb.cells.entries()) {
      if (cell.cell_type !== "code" || joinText(cell.source).trim() === "") continue;
      opts.onCellStart?.(index, joinText(cell.source));
      const t0 = performance.now();
      let result: { reply: JupyterMessage | null; timedOut: boolean };
      try {
        result = await runCell(client, collector, cell, opts.cellTimeout);
      } catch (e) {
        failure = { cell: index, reason: "kernel died", message: (e as Error).message };
        break;
      } finally {
        seconds.set(index, (performance.now() - t0) / 1000);
      }
      const content = result.reply?.content ?? {};
      if (cell.execution_count === null && typeof content.execution_count === "number") {
        cell.execution_count = content.execution_count;
      }
      if (result.timedOut) {
        failure = {
          cell: index,
          reason: "timeout",
          message: `cell ${index} ran past the ${opts.cellTimeout} s limit and was interrupted`,
        };
        break;
      }
      if (content.status !== "ok") {
        const error = cell.outputs.find((o): o is ErrorOutput => o.output_type === "error");
        const stderr = cell.outputs
          .filter((o) => o.output_type === "stream" && o.name === "stderr")
          .map((o) => joinText((o as { text: string }).text))
          .join("");
        const what = error ? `${error.ename}: ${error.evalue}` : stderr.trim() || String(content.status);
        failure = { cell: index, reason: "error", error, message: what };
        break;
      }
    }
  } finally {
    off();
  }
  return { nb, seconds, failure };
}

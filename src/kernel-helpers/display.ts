/**
 * Where notebook output goes. Inside a tslab kernel, bundles are sent to Jupyter as `display_data` /
 * `update_display_data` messages; outside one (tests, scripts), a recording sink or a no-op is used.
 *
 * Why tslab internals: tslab's public `Display.raw()` sends one mime type per message, but a chart must
 * travel as one bundle (text/html for nbconvert and the classic UI, the plotly JSON mime for UIs that render
 * it natively). `tslab/dist/jupyter`'s `lastWriteDisplayData` is the writer tslab itself uses; it always
 * points at the cell executing *now*, which is what makes background updates land in headless runs too
 * (nbclient only records iopub messages whose parent is the running cell).
 */
import { randomBytes } from "node:crypto";

/** A Jupyter mime bundle, e.g. `{ "text/html": "...", "text/plain": "..." }`. */
export type MimeBundle = Record<string, unknown>;

export interface DisplaySink {
  /** Show a bundle; with `update`, replace the output shown earlier under the same id. */
  send(bundle: MimeBundle, displayId: string, update: boolean): void;
}

type Writer = (
  data: { data: MimeBundle; metadata: object; transient: { display_id: string } },
  u: boolean,
) => void;

function tslabWriter(): Writer | null {
  try {
    // Resolved lazily: the module exists only where tslab is installed, and is live only inside its kernel.
    const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: Writer | null };
    return jupyter.lastWriteDisplayData ?? null;
  } catch {
    return null;
  }
}

/** True when running inside a tslab kernel that can receive display messages. */
export function inNotebook(): boolean {
  return tslabWriter() !== null;
}

/** The sink that writes to the tslab kernel, or drops output when not in a kernel. */
export const notebookSink: DisplaySink = {
  send(bundle, displayId, update) {
    const write = tslabWriter();
    if (write) write({ data: bundle, metadata: {}, transient: { display_id: displayId } }, update);
  },
};

/** A sink that keeps every message, for tests and for replaying a dashboard. */
export class RecordingSink implements DisplaySink {
  readonly messages: Array<{ bundle: MimeBundle; displayId: string; update: boolean }> = [];
  send(bundle: MimeBundle, displayId: string, update: boolean): void {
    this.messages.push({ bundle, displayId, update });
  }
  /** Number of in-place updates sent for one display id. */
  updatesFor(displayId: string): number {
    return this.messages.filter((m) => m.displayId === displayId && m.update).length;
  }
}

let defaultSink: DisplaySink = notebookSink;

/** Route all helper output to `sink` (tests use a RecordingSink). Returns the previous sink. */
export function setDisplaySink(sink: DisplaySink): DisplaySink {
  const prev = defaultSink;
  defaultSink = sink;
  return prev;
}

export function currentSink(): DisplaySink {
  return defaultSink;
}

/** A display area that can be redrawn in place: the first `show` creates it, later ones update it. */
export class LiveDisplay {
  readonly id = randomBytes(8).toString("hex");
  private shown = false;
  constructor(private readonly sink: DisplaySink = currentSink()) {}
  show(bundle: MimeBundle): void {
    this.sink.send(bundle, this.id, this.shown);
    this.shown = true;
  }
}

/** Show a bundle once (a fresh display id each call). */
export function display(bundle: MimeBundle): void {
  new LiveDisplay().show(bundle);
}

/** Show HTML once. */
export function displayHtml(html: string): void {
  display({ "text/html": html, "text/plain": "<html output>" });
}

/** Escape text for safe inclusion in HTML. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** Unexecuted code cells and notebooks built from sources, for the tests that run them through a kernel. */
import type { CodeCell, Notebook } from "../../scripts/nb/nbformat";

export const codeCell = (source: string): CodeCell => ({
  cell_type: "code",
  source,
  metadata: {},
  execution_count: null,
  outputs: [],
});

export const codeNotebook = (...sources: string[]): Notebook => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: sources.map(codeCell),
});

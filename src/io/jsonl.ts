/**
 * Reading JSON Lines files (metrics, completions, eval results, benchmark rows): one object per line, blank lines
 * ignored; a line that is not JSON is an error naming the file and line, or is left out on request.
 */
import { readFileSync } from "node:fs";

export interface ReadJsonlOptions {
  /** Leave out lines that are not JSON (a torn write after a kill) instead of throwing. Default false. */
  skipInvalid?: boolean;
}

/** The objects of a JSON Lines file, in order. */
export function readJsonl<T = Record<string, unknown>>(file: string, opts: ReadJsonlOptions = {}): T[] {
  const out: T[] = [];
  const lines = readFileSync(file, "utf8").split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push(JSON.parse(line) as T);
    } catch (e) {
      if (!opts.skipInvalid) throw new Error(`${file}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
  });
  return out;
}

/**
 * tslab's shorthand-property bug, worked around before compilation: tslab rewrites each reference to a variable
 * of an earlier cell into `exports.name`, but a shorthand property (`{ model }`) is a property name to the
 * checker, so it stays a bare `model` and throws `ReferenceError: model is not defined` at run time.
 * Writing every shorthand property out (`{ model: model }`) means the same thing and gets rewritten correctly.
 */

/** The slice of the TypeScript API used here (tslab's bundled compiler is passed in). */
export interface TsLike {
  createSourceFile(name: string, text: string, target: number, setParents?: boolean, kind?: number): unknown;
  ScriptTarget: { Latest: number };
  ScriptKind: { TS: number };
  SyntaxKind: { ShorthandPropertyAssignment: number };
  forEachChild(node: unknown, cb: (n: unknown) => void): void;
}

interface NodeLike {
  kind: number;
  name?: { end: number; text?: string; escapedText?: string };
}

/** One inserted `: name`, at `offset` of the original text, on `line` (0-based) after `column`. */
export interface Insertion {
  offset: number;
  line: number;
  column: number;
  text: string;
}

/** Spell out every shorthand property of `src`; returns the new code and what was inserted where. */
export function expandShorthand(ts: TsLike, src: string): { code: string; insertions: Insertion[] } {
  if (!/[{,]\s*[A-Za-z_$][\w$]*\s*[,}=]/.test(src)) return { code: src, insertions: [] }; // fast path
  const sf = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const insertions: Insertion[] = [];
  const visit = (n: unknown) => {
    const node = n as NodeLike;
    if (node.kind === ts.SyntaxKind.ShorthandPropertyAssignment && node.name) {
      const name = node.name.text ?? String(node.name.escapedText);
      const before = src.slice(0, node.name.end);
      const line = (before.match(/\n/g) ?? []).length;
      insertions.push({
        offset: node.name.end,
        line,
        column: node.name.end - (before.lastIndexOf("\n") + 1),
        text: `: ${name}`,
      });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  if (insertions.length === 0) return { code: src, insertions };
  let code = src;
  for (const ins of [...insertions].sort((a, b) => b.offset - a.offset)) {
    code = code.slice(0, ins.offset) + ins.text + code.slice(ins.offset);
  }
  return { code, insertions };
}

/** Map a 0-based column of the expanded code back to the original cell (for diagnostics). */
export function originalColumn(insertions: readonly Insertion[], line: number, column: number): number {
  let shift = 0;
  for (const ins of insertions) {
    if (ins.line === line && ins.column + shift < column) shift += ins.text.length;
  }
  return Math.max(0, column - shift);
}

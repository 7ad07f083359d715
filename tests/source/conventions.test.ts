/**
 * House rules of src/ that a reviewer would otherwise check by eye: every file opens with a header comment,
 * no function is longer than 80 lines, the README's layout lists every folder, and no citation points outside
 * the repository.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

const ROOT = resolve(__dirname, "../..");
const SRC = join(ROOT, "src");
const MAX_FUNCTION_LINES = 80;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith(".ts") ? [p] : [];
  });
}

const files = tsFiles(SRC).map((p) => ({ path: relative(ROOT, p), text: readFileSync(p, "utf8") }));

/** Every function-like node with a body, with its first line and length in lines (nested closures included). */
export function functionLengths(
  path: string,
  text: string,
): Array<{ name: string; line: number; lines: number }> {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const out: Array<{ name: string; line: number; lines: number }> = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && (n as ts.FunctionLikeDeclaration).body) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
      const named = (n as ts.FunctionDeclaration).name;
      out.push({ name: named ? named.getText(sf) : "(anonymous)", line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe("src/ conventions", () => {
  it("the function-length measure counts a function's lines, its closures included", () => {
    const text = [
      "function outer() {",
      "  const f = () => {",
      "    return 1;",
      "  };",
      "  return f();",
      "}",
    ].join("\n");
    assert.deepEqual(functionLengths("x.ts", text), [
      { name: "outer", line: 1, lines: 6 },
      { name: "(anonymous)", line: 2, lines: 3 },
    ]);
  });

  it(`no function is longer than ${MAX_FUNCTION_LINES} lines`, () => {
    const long = files.flatMap((f) =>
      functionLengths(f.path, f.text)
        .filter((fn) => fn.lines > MAX_FUNCTION_LINES)
        .map((fn) => `${f.path}:${fn.line} ${fn.name} (${fn.lines} lines)`),
    );
    assert.deepEqual(long, [], `split these into named helpers:\n${long.join("\n")}`);
  });

  it("every file opens with a header comment saying what it holds", () => {
    const bare = files
      .filter((f) => !/^(\/\/ biome-ignore[^\n]*\n)?\s*(\/\*\*?|\/\/)/.test(f.text))
      .map((f) => f.path);
    assert.deepEqual(bare, [], `add a one- to three-line header comment to:\n${bare.join("\n")}`);
  });

  it("the README's layout lists every folder under src/", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const layout = readme.slice(readme.indexOf("## Layout"));
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory());
    const missing = folders.map((e) => `src/${e.name}/`).filter((f) => !layout.includes(f));
    assert.deepEqual(missing, [], "add these folders to the README's Layout block");
  });

  it("no citation points outside the repository", () => {
    const outside = /compute-stack|reference §|shared\/reference|open-rs-and-peers/;
    const hits = files.flatMap((f) =>
      f.text
        .split("\n")
        .map((line, i) => ({ line, i }))
        .filter(({ line }) => outside.test(line))
        .map(({ i }) => `${f.path}:${i + 1}`),
    );
    assert.deepEqual(
      hits,
      [],
      `cite an upstream file at a commit or docs/references.md instead:\n${hits.join("\n")}`,
    );
  });
});

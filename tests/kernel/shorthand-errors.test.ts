import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  describeThrown,
  formatDiagnostics,
  formatRuntimeError,
  parseStack,
  quoteLines,
} from "../../scripts/kernel/errors";
import { expandShorthand, originalColumn, type TsLike } from "../../scripts/kernel/shorthand";

const ts = require("typescript") as TsLike;

describe("shorthand properties (tslab's bug, expanded before compiling)", () => {
  it("spells out shorthand properties, nested and with defaults, and nothing else", () => {
    const src = "const cfg = { model, tok: t, opts: { seed } };\nconst { a } = cfg;\n({ b = 1 } = x);";
    const { code, insertions } = expandShorthand(ts, src);
    assert.equal(
      code,
      "const cfg = { model: model, tok: t, opts: { seed: seed } };\nconst { a } = cfg;\n({ b: b = 1 } = x);",
    );
    assert.deepEqual(
      insertions.map((i) => [i.line, i.column, i.text]),
      [
        [0, 19, ": model"],
        [0, 41, ": seed"],
        [2, 4, ": b"],
      ],
    );
    assert.equal(expandShorthand(ts, "let x = 1; f(x);").code, "let x = 1; f(x);");
  });

  it("maps a column of the expanded code back to the cell", () => {
    const { insertions } = expandShorthand(ts, "f({ n, x })");
    // expanded "f({ n: n, x: x })": the inserted value x (column 13) → the x of the cell (column 7)
    assert.equal(originalColumn(insertions, 0, 13), 7);
    assert.equal(originalColumn(insertions, 0, 2), 2);
    assert.equal(originalColumn(insertions, 1, 13), 13);
  });
});

describe("error messages", () => {
  it("parses V8 frames, with and without a function name, async ones too", () => {
    const frames = parseStack(
      [
        "TypeError: boom",
        "    at f (__cell_3__:2:33)",
        "    at async __cell_3__:8:22",
        "    at Object.execute (/r/node_modules/tslab/dist/executor.js:160:38)",
        "    at node:vm:135:14",
      ].join("\n"),
    );
    assert.deepEqual(
      frames.map((f) => [f.fn, f.file, f.line, f.column]),
      [
        ["f", "__cell_3__", 2, 33],
        [null, "__cell_3__", 8, 22],
        ["Object.execute", "/r/node_modules/tslab/dist/executor.js", 160, 38],
        [null, "node:vm", 135, 14],
      ],
    );
  });

  it("quotes the failing cell line, keeps the user's frames and drops the kernel's", () => {
    const err = new TypeError("Cannot read properties of undefined (reading 'z')");
    err.stack = [
      "TypeError: Cannot read properties of undefined (reading 'z')",
      "    at bad (/repo/src/x.js:10:5)",
      "    at f (__cell_4__:3:9)",
      "    at __cell_4__:9:1",
      "    at Object.execute (/repo/node_modules/tslab/dist/executor.js:160:38)",
    ].join("\n");
    const content = formatRuntimeError(
      err,
      (f) =>
        f.file === "__cell_4__"
          ? f.line === 9
            ? null // tslab's wrapper line: no mapping
            : { fn: f.fn, where: "Cell In[4]", line: f.line - 1, column: f.column, cell: 4 }
          : { fn: f.fn, where: "src/x.ts", line: 7, column: 3 },
      (n) => (n === 4 ? "const a = 1;\nconst o: any = {};\nconsole.log(o.y.z);" : undefined),
    );
    assert.equal(content.ename, "TypeError");
    assert.deepEqual(content.traceback, [
      "Cell In[4], line 2",
      "      1 const a = 1;",
      "----> 2 const o: any = {};",
      "      3 console.log(o.y.z);",
      "",
      "TypeError: Cannot read properties of undefined (reading 'z')",
      "    at bad (src/x.ts:7:3)",
      "    at f (Cell In[4]:2:9)",
    ]);
  });

  it("describes thrown non-errors, and lists compile diagnostics with a caret", () => {
    assert.deepEqual(describeThrown("nope"), { ename: "Error", evalue: "thrown value: nope", stack: "" });
    assert.deepEqual(quoteLines("a\nb", 1, 5), ["----> 1 a", "      2 b"]);
    const d = formatDiagnostics(
      [{ line: 0, column: 6, message: "Cannot find name 'x'." }],
      7,
      "const y = x;",
    );
    assert.equal(d.ename, "TSError");
    assert.equal(d.evalue, "Cannot find name 'x'.");
    assert.deepEqual(d.traceback, [
      "Cell In[7], line 1:7 - Cannot find name 'x'.",
      "    const y = x;",
      "          ^",
    ]);
  });
});

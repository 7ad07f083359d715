/**
 * The repo's kernel (tslab + scripts/kernel's patches) driven by the Node Jupyter client, on small cells that
 * import nothing from src/index (so tslab type-checks little): a runtime error becomes a Jupyter `error`
 * message whose traceback quotes the cell's TypeScript line; a compile error too; shorthand properties see
 * earlier cells; every cell gets its execution count through `execute_input`. About 10 s.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { executeCells } from "../../scripts/nb/execute";
import { type JupyterMessage, KernelClient } from "../../scripts/nb/kernel-client";
import type { CodeCell } from "../../scripts/nb/nbformat";
import { installKernel, KERNEL_SPEC_DIR, REPO_ROOT } from "../../scripts/run-notebooks";
import { codeNotebook as notebook } from "../notebooks/cells";

describe("the open-rs kernel (tslab with the repo's patches)", () => {
  let client: KernelClient;
  const iopub: JupyterMessage[] = [];
  before(async () => {
    client = await KernelClient.start({ specDir: KERNEL_SPEC_DIR, cwd: REPO_ROOT });
    client.onIopub((m) => iopub.push(m));
  });
  after(async () => {
    await client?.shutdown();
  });

  it("numbers each cell (execute_input) and lets `{ model }` see an earlier cell's variable", async () => {
    const run = await executeCells(
      client,
      notebook(
        "const model = { name: 'tiny' };",
        "const cfg = { model, steps: 2 };\nconsole.log(JSON.stringify(cfg));",
      ),
    );
    assert.equal(run.failure, null, run.failure?.message);
    const [a, b] = run.nb.cells as CodeCell[];
    assert.ok(a.execution_count !== null && b.execution_count === a.execution_count + 1);
    assert.deepEqual(b.outputs, [
      { output_type: "stream", name: "stdout", text: '{"model":{"name":"tiny"},"steps":2}\n' },
    ]);
    assert.ok(
      iopub.some(
        (m) => m.header.msg_type === "execute_input" && m.content.execution_count === a.execution_count,
      ),
    );
  });

  it("sends a runtime error as an `error` message whose traceback names the cell's TypeScript line", async () => {
    await new Promise((r) => setTimeout(r, 300)); // tslab aborts requests within 200 ms of an error; none yet
    const src = [
      "type Row = { step: number; loss?: { value: number } };",
      "",
      "function lastLoss(rows: Row[]): number {",
      "  return rows[rows.length - 1].loss!.value;",
      "}",
      "const rows: Row[] = [{ step: 1 }];",
      "lastLoss(rows);",
    ].join("\n");
    const run = await executeCells(client, notebook(src));
    const c = run.nb.cells[0] as CodeCell;
    assert.equal(run.failure?.reason, "error");
    const err = c.outputs.find((o) => o.output_type === "error");
    assert.ok(err && err.output_type === "error", JSON.stringify(c.outputs));
    assert.equal(err.ename, "TypeError");
    assert.match(err.evalue, /Cannot read properties of undefined \(reading 'value'\)/);
    const count = c.execution_count;
    assert.equal(err.traceback[0], `Cell In[${count}], line 4`);
    assert.ok(
      err.traceback.includes("----> 4   return rows[rows.length - 1].loss!.value;"),
      err.traceback.join("\n"),
    );
    // column 38: where V8 points, at `value` in `.loss!.value`
    assert.ok(
      err.traceback.some((l) => l === `    at lastLoss (Cell In[${count}]:4:38)`),
      err.traceback.join("\n"),
    );
    assert.ok(
      err.traceback.some((l) => l.startsWith(`    at Cell In[${count}]:7:`)),
      err.traceback.join("\n"),
    );
    const text = err.traceback.join("\n");
    assert.doesNotMatch(text, /tslab|node:vm|evalmachine|exports\.tsLastExpr/);
    const msg = iopub.find((m) => m.header.msg_type === "error");
    assert.equal(msg?.content.ename, "TypeError");
  });

  it("reports a compile error as an `error` message with the line, column and a caret", async () => {
    await new Promise((r) => setTimeout(r, 300));
    const run = await executeCells(client, notebook("const n = 1;\nconst s: string = n;"));
    const err = (run.nb.cells[0] as CodeCell).outputs.find((o) => o.output_type === "error");
    assert.ok(err && err.output_type === "error");
    assert.equal(err.ename, "TSError");
    assert.match(
      err.traceback[0],
      /^Cell In\[\d+\], line 2:7 - Type 'number' is not assignable to type 'string'\.$/,
    );
    assert.equal(err.traceback[2], "          ^");
  });

  it("survives an exception nobody caught, even with a listener that re-throws it (as tfjs-wasm's does)", async () => {
    await new Promise((r) => setTimeout(r, 300));
    const run = await executeCells(
      client,
      notebook(
        [
          "process.on('uncaughtException', (e) => { throw e; }); // what Emscripten's runtime installs",
          "setTimeout(() => { throw new Error('background boom'); }, 10);",
          "await new Promise((r) => setTimeout(r, 200));",
        ].join("\n"),
        "console.log('alive');",
        // the compiler host watches no directories (their events crashed tslab's single rebuild timer)
        "const ts = require('@tslab/typescript-for-tslab');\nconsole.log(typeof ts.sys.watchDirectory('.', () => {}).close);",
      ),
    );
    assert.equal(run.failure, null, run.failure?.message);
    const [first, second, third] = run.nb.cells as CodeCell[];
    const stderr = first.outputs.filter((o) => o.output_type === "stream" && o.name === "stderr");
    assert.match(JSON.stringify(stderr), /UncaughtException: Error: background boom/);
    assert.deepEqual(second.outputs, [{ output_type: "stream", name: "stdout", text: "alive\n" }]);
    assert.deepEqual(third.outputs, [{ output_type: "stream", name: "stdout", text: "function\n" }]);
  });
});

describe("install-kernel (for VS Code and frontends that do not read JUPYTER_PATH)", () => {
  it("writes a spec that starts the repo's kernel from any folder", async () => {
    const data = mkdtempSync(join(tmpdir(), "open-rs-jupyter-data-"));
    const spec = installKernel(data);
    assert.equal(spec, join(data, "kernels", "open-rs-ts", "kernel.json"));
    const client = await KernelClient.start({ specDir: dirname(spec), cwd: tmpdir() });
    try {
      const run = await executeCells(
        client,
        notebook(
          'import { escapeHtml } from "./src/kernel-helpers/display";\nconsole.log(escapeHtml("<b>"));',
        ),
      );
      assert.equal(run.failure, null, run.failure?.message);
      assert.deepEqual((run.nb.cells[0] as CodeCell).outputs, [
        { output_type: "stream", name: "stdout", text: "&lt;b&gt;\n" },
      ]);
    } finally {
      await client.shutdown();
      rmSync(data, { recursive: true, force: true });
    }
  });
});

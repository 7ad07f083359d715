/**
 * The notebook kernel as a control plane, driven by a real Jupyter client (Debian's jupyter_client, through
 * kernel_driver.py) against the repo's kernel spec: cells answer fast while a run trains, a forgotten await
 * does not kill the kernel, and an interrupt stops the run or eval a cell awaits.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";

const REPO = resolve(__dirname, "../..");
const PYTHON = "/usr/bin/python3";
const hasClient = spawnSync(PYTHON, ["-c", "import jupyter_client"]).status === 0;
const skip = hasClient
  ? false
  : "Debian's jupyter-client is not installed (apt-get install jupyter-client; .ci/run does)";

interface CellResult {
  status: string;
  stdout: string;
  stderr: string;
  ename: string | null;
  evalue: string | null;
  seconds: number;
  alive: boolean;
  after_interrupt?: number;
  latencies?: number[];
  failed?: unknown;
  first?: number;
  last?: number;
}

type Action =
  | { code: string; timeout?: number; interrupt_after?: number }
  | { measure: number; code?: string; gap?: number; until_advance?: number; max?: number }
  | { sleep: number };

/** Run a kernel session; returns one result per action and whether the kernel was alive at the end. */
function session(actions: Action[]): { results: CellResult[]; alive_at_end: boolean } {
  const r = spawnSync(PYTHON, [join(__dirname, "kernel_driver.py"), REPO], {
    input: JSON.stringify(actions),
    encoding: "utf8",
    env: { ...process.env, JUPYTER_PATH: join(REPO, "jupyter") },
    timeout: 600_000,
  });
  assert.equal(r.status, 0, `kernel driver failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const tmp = mkdtempSync(join(tmpdir(), "kernel-test-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A cell that loads tiny-r1 and starts a run of the given config in the background. */
function startRun(out: string, grpo: string): string {
  return [
    'import { initBackend, Qwen2ForCausalLM, HfTokenizer, loadQuickstartConfig, tinySplits, train, liveDashboard, waitForStep, evalHeldout, listCheckpoints, TINY_MODEL_DIR } from "./src/index";',
    "await initBackend();",
    "const model = await Qwen2ForCausalLM.fromPretrained(TINY_MODEL_DIR);",
    "const tokenizer = HfTokenizer.fromDir(TINY_MODEL_DIR);",
    'const rows = tinySplits().train.filter((r) => r.level === "Hard");',
    `const run = train({ ...loadQuickstartConfig("configs/quickstart.yaml").grpo, ${grpo}, output_dir: ${JSON.stringify(out)}, overwrite_output_dir: true }, { model: model, tokenizer: tokenizer, dataset: rows });`,
    "const dash = liveDashboard(run);",
  ].join("\n");
}

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

describe("the notebook kernel (a real Jupyter client)", { skip }, () => {
  it("answers a trivial cell in ≤ 100 ms median and ≤ 250 ms p99 while the quickstart recipe trains", () => {
    const out = join(tmp, "latency");
    const { results, alive_at_end } = session([
      { code: startRun(out, "max_steps: 200, save_steps: 0"), timeout: 300 },
      { code: "await waitForStep(run, 1); run.step", timeout: 300 },
      // a trivial cell (a property read), at least 60 times and until two more steps have finished
      { measure: 60, code: "run.step", gap: 0.15, until_advance: 2, max: 600 },
      {
        code: 'console.log(JSON.stringify({ status: run.status, workers: run.workers })); run.stop(); await run.done; console.log("stopped")',
        timeout: 300,
      },
    ]);
    assert.ok(alive_at_end);
    for (const r of [results[0], results[1], results[3]]) assert.equal(r.status, "ok", r.stderr);
    const m = results[2];
    const lat = m.latencies ?? [];
    assert.equal(m.failed, null, `every trivial cell answered: ${JSON.stringify(m.failed)}`);
    const advanced = (m.last ?? 0) - (m.first ?? 0);
    assert.ok(advanced >= 2, `the run trained while the cells were answered (${advanced} steps)`);
    const info = JSON.parse(results[3].stdout.split("\n")[0]) as { status: string; workers: number };
    assert.equal(info.status, "running", "the run trained throughout the measurement");
    assert.ok(info.workers >= 1, "the run computes in worker threads");
    const median = quantile(lat, 0.5);
    const p99 = quantile(lat, 0.99);
    console.log(
      `trivial cell while training: median ${(median * 1000).toFixed(0)} ms, p99 ${(p99 * 1000).toFixed(0)} ms, max ${(Math.max(...lat) * 1000).toFixed(0)} ms (${lat.length} cells, ${advanced} steps meanwhile)`,
    );
    assert.ok(median <= 0.1, `median ${median}`);
    assert.ok(p99 <= 0.25, `p99 ${p99}`);
  });

  it("survives a forgotten await on a rejected promise after the wasm backend started, with a warning", () => {
    const { results, alive_at_end } = session([
      { code: 'import { initBackend } from "./src/index";\nconst info = await initBackend();\ninfo.chosen' },
      { code: 'Promise.reject(new Error("forgotten await")); "cell done"' },
      { sleep: 1 },
      { code: "1 + 1" },
    ]);
    assert.ok(alive_at_end, "the kernel is alive");
    assert.equal(results[0].status, "ok", results[0].stderr);
    assert.equal(results[3].status, "ok");
    assert.match(`${results[1].stderr}${results[3].stderr}`, /forgotten await/, "the rejection is reported");
  });

  it("an interrupt stops the run or eval the cell awaits; the rest of the cell never runs", () => {
    const out = join(tmp, "interrupt");
    const { results, alive_at_end } = session([
      {
        code: startRun(
          out,
          "max_steps: 500, save_steps: 0, per_device_train_batch_size: 24, gradient_accumulation_steps: 1, max_completion_length: 32",
        ),
        timeout: 300,
      },
      { code: "await waitForStep(run, 1); run.step", timeout: 300 },
      { code: 'await run.done;\nconsole.log("AFTER-DONE")', interrupt_after: 2, timeout: 120 },
      {
        code:
          "await run.done; console.log(JSON.stringify({ status: run.status, checkpoints: listCheckpoints(" +
          JSON.stringify(out) +
          ") }))",
        timeout: 300,
      },
      {
        code: 'const ev = await evalHeldout(model, tokenizer, tinySplits().heldoutHard.slice(0, 100), { n: 8 });\nconsole.log("AFTER-EVAL")',
        interrupt_after: 3,
        timeout: 120,
      },
      { sleep: 4 },
      { code: '"still here"' },
    ]);
    assert.ok(alive_at_end);
    const interrupted = results[2];
    assert.equal(interrupted.status, "error", "the awaiting cell ends with an error");
    assert.ok(
      (interrupted.after_interrupt ?? 99) < 10,
      `it ends soon after the interrupt (${interrupted.after_interrupt} s)`,
    );
    assert.match(
      `${interrupted.stderr}${interrupted.evalue ?? ""}`,
      /interrupted: run .* checkpoints and stops/,
    );
    const state = JSON.parse(results[3].stdout.trim()) as { status: string; checkpoints: number[] };
    assert.equal(state.status, "stopped");
    assert.ok(state.checkpoints.length >= 1, "a checkpoint was written before stopping");
    const evalCell = results[4];
    assert.equal(evalCell.status, "error");
    assert.match(`${evalCell.stderr}${evalCell.evalue ?? ""}`, /interrupted: eval/);
    assert.equal(results[6].status, "ok");
    const all = results.map((r) => r.stdout ?? "").join("\n");
    assert.doesNotMatch(
      all,
      /AFTER-DONE|AFTER-EVAL/,
      "nothing after an interrupted await ran, then or later",
    );
  });
});

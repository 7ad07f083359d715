/**
 * A crashing worker never takes its control process down: a thrown error, an exhausted wasm heap and a native
 * abort in one replica each make the run fail with the cause (in `done`, `run.error`, the run's record and a
 * red dashboard), and the control process goes on (a new run in the same directory works).
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { train } from "../../src/grpo/train";
import { liveDashboard } from "../../src/kernel-helpers/dashboard";
import { RecordingSink } from "../../src/kernel-helpers/display";
import { Qwen2ForCausalLM } from "../../src/model/qwen2";
import { HfTokenizer } from "../../src/tokenizer/tokenizer";
import { writeTinyModelDir } from "../eval/helpers/tiny-model";

const ROWS = Array.from({ length: 8 }, (_, i) => ({
  id: `r${i}`,
  problem: `What is ${i} + ${i}?`,
  answer: String(2 * i),
}));
const CONFIG = {
  reward_funcs: ["format"],
  num_generations: 4,
  per_device_train_batch_size: 4,
  gradient_accumulation_steps: 2,
  max_completion_length: 8,
  learning_rate: 1e-3,
  beta: 0,
  max_steps: 4,
  save_steps: 0,
  logging_steps: 1,
};

describe("worker isolation (2 worker threads in a worker process)", () => {
  let dir: string;
  let modelDir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "isolation-"));
    modelDir = await writeTinyModelDir(5);
    process.env.OPEN_RS_WORKER_PRELOAD = join(__dirname, "fault-preload.ts");
  });
  after(() => {
    delete process.env.OPEN_RS_WORKER_PRELOAD;
    delete process.env.OPEN_RS_TEST_FAULT;
    delete process.env.OPEN_RS_TEST_FAULT_MARKER;
    rmSync(dir, { recursive: true, force: true });
    rmSync(modelDir, { recursive: true, force: true });
  });

  const cases: Array<[string, RegExp]> = [
    ["throw", /injected fault: a replica threw/],
    ["oom", /out of memory during the policy update .*Lower per_device_train_batch_size/],
    ["abort", /the worker process was killed by SIGABRT \(a native abort\)/],
  ];
  for (const [fault, cause] of cases) {
    it(`${fault}: done rejects with the cause, the dashboard turns red, the control process lives on`, async () => {
      process.env.OPEN_RS_TEST_FAULT = fault;
      process.env.OPEN_RS_TEST_FAULT_MARKER = join(dir, `${fault}.marker`);
      const out = join(dir, fault);
      const model = await Qwen2ForCausalLM.fromPretrained(modelDir);
      const tokenizer = HfTokenizer.fromDir(modelDir);
      const run = train({ ...CONFIG, output_dir: out }, { model, tokenizer, dataset: ROWS }, { workers: 2 });
      const sink = new RecordingSink();
      const dash = liveDashboard(run, { sink });
      await assert.rejects(run.done, cause);
      assert.equal(run.status, "failed");
      assert.match(run.error?.message ?? "", cause);
      const record = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as {
        status: string;
        error: string;
      };
      assert.equal(record.status, "failed");
      assert.match(record.error, cause);
      assert.ok(!existsSync(join(out, ".run.lock")), "the directory is released");
      const status = sink.messages.filter((m) => m.displayId === sink.messages[0].displayId).pop();
      const html = String(status?.bundle["text/html"]);
      assert.match(html, /open-rs-run-failed/);
      assert.match(html, /#b00020/, "red");
      assert.match(html.replace(/&quot;/g, '"'), cause);
      dash.close();
      // The control process goes on: the same model and directory train again (no fault left to inject).
      delete process.env.OPEN_RS_TEST_FAULT;
      const again = train(
        { ...CONFIG, max_steps: 1, output_dir: out, overwrite_output_dir: true },
        { model, tokenizer, dataset: ROWS },
        { workers: 2 },
      );
      assert.equal((await again.done).steps, 1);
      model.dispose();
    });
  }
});

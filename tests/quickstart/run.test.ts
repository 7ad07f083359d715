import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { initBackend } from "../../src/backend/select";
import { listCheckpoints } from "../../src/grpo/checkpoint";
import { parseQuickstartConfig } from "../../src/quickstart/config";
import { beforeAfterTable, runQuickstart } from "../../src/quickstart/run";
import { TINY_MODEL_DIR } from "../../src/tiny/recipe";
import { shutdownVerifier } from "../../src/verify/index";

const DIR = resolve(__dirname, "../..", TINY_MODEL_DIR);
const skip = existsSync(join(DIR, "model.safetensors")) ? false : `no ${TINY_MODEL_DIR}/model.safetensors`;
const lines = (p: string) => readFileSync(p, "utf8").split("\n").filter(Boolean);

describe("runQuickstart (what `npm start` runs), shrunk to 2 steps", { skip }, () => {
  it("evaluates, trains, evaluates, and writes metrics, completions, evals, checkpoints and summary.json", {
    timeout: 300_000,
  }, async () => {
    await initBackend();
    const out = mkdtempSync(join(tmpdir(), "quickstart-test-"));
    try {
      const yaml = readFileSync(resolve(__dirname, "../../configs/quickstart.yaml"), "utf8");
      const cfg = parseQuickstartConfig(yaml, {
        output_dir: out,
        max_steps: 2,
        per_device_train_batch_size: 12,
        gradient_accumulation_steps: 1,
        save_steps: 1,
        quickstart: { eval_hard: 3, eval_easy: 2, eval: { n: 2, maxNewTokens: 96 } },
      });
      const logged: string[] = [];
      const r = await runQuickstart({ modelDir: DIR, config: cfg, log: (l) => logged.push(l) });
      assert.equal(r.metrics.length, 2);
      assert.deepEqual(
        r.evals.map((e) => e.step),
        [0, 2],
      );
      assert.equal(r.evals[0].hard?.score.problems, 3);
      assert.equal(r.evals[0].easy?.score.problems, 2);
      assert.equal(r.evals[0].hard?.score.n, 2);
      assert.ok(r.hardDelta && Number.isFinite(r.hardDelta.delta));
      assert.equal(lines(join(out, "metrics.jsonl")).length, 2);
      assert.equal(lines(join(out, "completions.jsonl")).length, 2 * 12);
      for (const f of ["eval-hard-step0", "eval-easy-step0", "eval-hard-step2", "eval-easy-step2"]) {
        assert.ok(existsSync(join(out, `${f}.jsonl`)), f);
      }
      assert.equal(lines(join(out, "eval-hard-step0.jsonl")).length, 3 * 2);
      assert.deepEqual(listCheckpoints(out), [1, 2]);
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
      assert.equal(summary.steps, 2);
      assert.equal(summary.evals.length, 2);
      assert.match(
        beforeAfterTable(r),
        /\| Hard \(3\) \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \| [+-][\d.]+ ± [\d.]+ \|/,
      );
      assert.match(logged[0], /^step 0: hard /);
    } finally {
      rmSync(out, { recursive: true, force: true });
      await shutdownVerifier();
    }
  });
});

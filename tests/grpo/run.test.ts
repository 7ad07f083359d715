import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { train } from "../../src/grpo/train";
import { sevenReward, toyConfig, toyDataset, toyModel, toyTokenizer, useCpu } from "./toy";

const deps = () => ({
  model: toyModel(1),
  tokenizer: toyTokenizer,
  dataset: toyDataset,
  rewards: [sevenReward],
});

describe("train() run handle", () => {
  it("returns at once, emits events, applies update() at a step boundary and logs it", async () => {
    await useCpu();
    const out = mkdtempSync(join(tmpdir(), "grpo-run-"));
    const d = deps();
    const run = train({ ...toyConfig, max_steps: 4, output_dir: out, save_steps: 2 }, d, { workers: 0 });
    assert.equal(run.step, 0, "nothing has run synchronously");
    const seen: string[] = [];
    run.on("step", (m) => {
      seen.push(`step${m.step}`);
      if (m.step === 1) run.update({ temperature: 0.5, reward_weights: [2] });
    });
    run.on("checkpoint", (p) => seen.push(`ckpt:${p.split("/").pop()}`));
    run.on("done", () => seen.push("done"));
    const summary = await run.done;
    assert.deepEqual(summary, { steps: 4, stopped: false, lastCheckpoint: join(out, "checkpoint-4") });
    assert.deepEqual(seen, [
      "step1",
      "step2",
      "ckpt:checkpoint-2",
      "step3",
      "step4",
      "ckpt:checkpoint-4",
      "done",
    ]);
    assert.equal(run.metrics.length, 4);
    assert.deepEqual(
      run.metrics[1].updates,
      { temperature: 0.5, reward_weights: [2] },
      "logged with the step that used it",
    );
    assert.equal(run.metrics[2].updates, undefined);
    assert.equal(run.trainer.config.temperature, 0.5);
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n");
    assert.deepEqual(JSON.parse(lines[1]).updates, { temperature: 0.5, reward_weights: [2] });
    // reward weight 2 doubles the total for the same 0/1 function
    assert.equal((run.metrics[1]["rewards/seven_reward/mean"] as number) * 2, run.metrics[1].reward);
    d.model.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  it("update() validates immediately; pause/checkpoint/resume/stop work at boundaries", async () => {
    await useCpu();
    const out = mkdtempSync(join(tmpdir(), "grpo-run-"));
    const d = deps();
    const run = train({ ...toyConfig, max_steps: 50, output_dir: out }, d, { workers: 0 });
    assert.throws(() => run.update({ top_p: 0.9 }), /top_p .*set mode: fixed/);
    assert.throws(() => run.update({ beta: -1 }), /beta = -1/);
    await new Promise<void>((resolve) => {
      const off = run.on("step", (m) => {
        if (m.step === 2) {
          off();
          run.pause();
          resolve();
        }
      });
    });
    const ckpt = await run.checkpoint();
    assert.equal(ckpt, join(out, "checkpoint-2"), "a checkpoint while paused");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(run.step, 2, "paused: no progress");
    run.resume();
    await new Promise<void>((resolve) => {
      run.on("step", (m) => {
        if (m.step === 3) {
          run.stop();
          resolve();
        }
      });
    });
    const summary = await run.done;
    assert.equal(summary.stopped, true);
    assert.equal(summary.steps, 3);
    d.model.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  it("a bad config throws synchronously", () => {
    const d = deps();
    assert.throws(() => train({ ...toyConfig, num_generations: 3 }, d), /divisible by num_generations/);
    d.model.dispose();
  });
});

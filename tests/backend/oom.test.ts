import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { explainOom, isOomError } from "../../src/backend/oom";
import { resolveGrpoConfig } from "../../src/grpo/config-resolve";
import { GrpoTrainer } from "../../src/grpo/trainer";
import { sevenReward, toyConfig, toyDataset, toyModel, toyTokenizer, useCpu } from "../grpo/toy";

describe("out-of-memory errors", () => {
  it("recognises the wasm heap's messages and leaves other errors alone", () => {
    assert.ok(isOomError(new RangeError("memory access out of bounds")));
    assert.ok(isOomError(new Error("Aborted(OOM). Build with -sASSERTIONS for more info.")));
    assert.ok(!isOomError(new Error("shape mismatch")));
    const other = new Error("shape mismatch");
    assert.equal(explainOom(other, "x", "y"), other);
    const e = explainOom(
      new RangeError("memory access out of bounds"),
      "the forward pass",
      "Lower B.",
    ) as Error;
    assert.match(
      e.message,
      /out of memory during the forward pass .*4 GiB.*memory access out of bounds.*Lower B\./,
    );
    assert.ok(e.cause instanceof RangeError);
  });

  it("a GRPO step that exhausts the heap says which setting to lower", async () => {
    await useCpu();
    const out = mkdtempSync(join(tmpdir(), "oom-test-"));
    const { config } = resolveGrpoConfig({ ...toyConfig, output_dir: out });
    const model = toyModel(1);
    model.completionLogProbs = () => {
      throw new RangeError("memory access out of bounds");
    };
    const t = new GrpoTrainer(config, {
      model,
      tokenizer: toyTokenizer,
      dataset: toyDataset,
      rewards: [sevenReward],
    });
    await assert.rejects(t.trainStep(), (err: Error) => {
      assert.match(err.message, /out of memory during the policy update \(a micro-batch of \d+ completions/);
      assert.match(err.message, /per_device_train_batch_size .* gradient_accumulation_steps/);
      return true;
    });
    t.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  it("so does a rollout whose generation exhausts the heap", async () => {
    await useCpu();
    const out = mkdtempSync(join(tmpdir(), "oom-test-"));
    const { config } = resolveGrpoConfig({ ...toyConfig, output_dir: out });
    const t = new GrpoTrainer(config, {
      model: toyModel(1),
      tokenizer: toyTokenizer,
      dataset: toyDataset,
      rewards: [sevenReward],
      generate: async () => {
        throw new RangeError("memory access out of bounds");
      },
    });
    await assert.rejects(t.trainStep(), (err: Error) => {
      assert.match(err.message, /out of memory during generation \(micro-batches of \d+ sequences/);
      assert.match(err.message, /per_device_train_batch_size .* gradient_accumulation_steps/);
      return true;
    });
    t.dispose();
    rmSync(out, { recursive: true, force: true });
  });
});

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import type { CausalLM } from "../../src/model/types";
import {
  encodeSftPair,
  lossCurveFigure,
  microBatchesByTokens,
  readLossCurve,
  resolveSftConfig,
  type SftTokens,
  sftLossTensor,
  trainSft,
} from "../../src/sft";
import { toyModel, toyTokenizer, useCpu } from "../grpo/toy";

/** Eight short "problem → answer" pairs in toy-token ids (3–12 are digits). */
const DATA: SftTokens[] = Array.from({ length: 8 }, (_, i) => ({
  promptIds: [1, 13, 3 + i, 14],
  completionIds: [3 + ((i * 3) % 10), 3 + ((i + 5) % 10), 2],
}));

describe("SFT data layout", () => {
  it("encodeSftPair: prompt via the template, completion + EOS", () => {
    const t = encodeSftPair(toyTokenizer, { prompt: [{ role: "user", content: "12" }], completion: "34" });
    assert.deepEqual(t.promptIds, [13, 4, 5, 14]); // "Q12:"
    assert.deepEqual(t.completionIds, [6, 7, 2]);
  });

  it("microBatchesByTokens: sorts by length and packs under the padded-token budget", () => {
    const mk = (n: number): SftTokens => ({ promptIds: Array(n - 1).fill(5), completionIds: [2] });
    const items = [mk(10), mk(3), mk(4), mk(9)];
    // sorted lengths 3,4,9,10; budget 12: [3,4] (2×4=8), then 9 alone? 3 rows of 9 = 27 > 12 → [9], [10]
    assert.deepEqual(microBatchesByTokens(items, 12), [[1, 2], [3], [0]]);
    // a generous budget takes everything in one pass
    assert.deepEqual(microBatchesByTokens(items, 100), [[1, 2, 3, 0]]);
  });

  it("resolveSftConfig: names the bad field", () => {
    assert.throws(() => resolveSftConfig({}), /max_steps/);
    assert.throws(() => resolveSftConfig({ max_steps: 2, optimizer: "sgd" as never }), /optimizer/);
  });
});

describe("SFT loss", () => {
  it("is −Σ logprob·mask / denominator (hand-computed on a stub model)", () => {
    const stub = {
      completionLogProbs: () => ({
        logprobs: tf.tensor2d([
          [-1, -2, 0],
          [-0.5, 0, 0],
        ]),
        mask: tf.tensor2d([
          [1, 1, 0],
          [1, 0, 0],
        ]),
      }),
    } as unknown as CausalLM;
    const loss = tf.tidy(() => sftLossTensor(stub, [], [], 4));
    assert.ok(Math.abs(loss.dataSync()[0] - 3.5 / 4) < 1e-6);
    loss.dispose();
  });
});

describe("trainSft on a micro model", () => {
  it("loss decreases over a few steps, tf.memory stays flat, loss.jsonl is written", async () => {
    await useCpu();
    const model = toyModel(3, { hidden: 16 });
    const out = mkdtempSync(join(tmpdir(), "sft-test-"));
    const counts: number[] = [];
    const r = await trainSft({
      model,
      data: DATA,
      config: {
        max_steps: 12,
        per_device_train_batch_size: 8,
        micro_batch_tokens: 16,
        learning_rate: 1e-2,
        output_dir: out,
      },
      progress: false,
      onStep: () => counts.push(tf.memory().numTensors),
    });
    const losses = r.history.map((h) => h.loss);
    assert.ok(losses[11] < losses[0] - 0.3, `loss should fall: ${losses.map((l) => l.toFixed(3)).join(" ")}`);
    assert.ok(
      counts.every((c) => c === counts[1]),
      `tensor count drifted: ${counts.join(",")}`,
    );
    const curve = readLossCurve(join(out, "loss.jsonl"));
    assert.equal(curve.length, 12);
    assert.equal(curve[0].tokens, 24);
    assert.equal(lossCurveFigure(curve).data.length, 2);
    model.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  it("micro-batching does not change the step loss (token mean over the whole step)", async () => {
    await useCpu();
    const run = async (mbt: number, optimizer: "adamw" | "tf-adam") => {
      const model = toyModel(5, { hidden: 16 });
      const before = tf.memory().numTensors;
      const r = await trainSft({
        model,
        data: DATA,
        config: { max_steps: 2, per_device_train_batch_size: 8, micro_batch_tokens: mbt, optimizer },
        progress: false,
      });
      model.dispose();
      return { losses: r.history.map((h) => h.loss), leaked: tf.memory().numTensors - before };
    };
    const whole = await run(1000, "adamw");
    const split = await run(7, "adamw");
    assert.ok(Math.abs(whole.losses[0] - split.losses[0]) < 1e-5);
    assert.ok(Math.abs(whole.losses[1] - split.losses[1]) < 1e-4);
    const tfAdam = await run(1000, "tf-adam");
    assert.ok(Math.abs(tfAdam.losses[0] - whole.losses[0]) < 1e-5);
    for (const r of [whole, split]) assert.ok(r.leaked <= 0, `leaked ${r.leaked} tensors (model disposed)`);
  });
});

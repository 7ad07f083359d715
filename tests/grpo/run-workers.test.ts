/**
 * Runs in worker threads: what depends on the worker count and the micro-batch size, bit-exact resume with 2
 * workers, and the run handle's refusals (updates the job cannot take, listeners that throw, disposed models).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { latestCheckpoint } from "../../src/grpo/checkpoint";
import type { RunHandle } from "../../src/grpo/run";
import { train } from "../../src/grpo/train";
import { readJsonl } from "../../src/io/jsonl";
import { Qwen2ForCausalLM } from "../../src/model/qwen2";
import { registerReward } from "../../src/rewards";
import { HfTokenizer } from "../../src/tokenizer/tokenizer";
import { writeTinyModelDir } from "../eval/helpers/tiny-model";

const ROWS = Array.from({ length: 12 }, (_, i) => ({
  id: `r${i}`,
  problem: `What is ${i} + ${2 * i}?`,
  answer: String(3 * i),
}));
/**
 * A reward registered here, in the control process (as a notebook cell would): runs in worker threads still
 * score with it (the worker process asks this process). Random completions get 0 or 1, so advantages vary.
 */
registerReward("odd_length", (cs) => cs.map((c) => c.length % 2));

/** 2 prompts × G = 4 per step; temperature 1 so that sampling matters. */
const BASE = {
  reward_funcs: ["odd_length"],
  num_generations: 4,
  per_device_train_batch_size: 4,
  gradient_accumulation_steps: 2,
  max_completion_length: 10,
  temperature: 1.0,
  learning_rate: 3e-3,
  beta: 0,
  max_steps: 3,
  save_steps: 0,
  log_completions: true,
  logging_steps: 1,
};

/** Metrics without wall-clock and worker-count fields. */
const timeless = (rows: Record<string, unknown>[]) =>
  rows.map((r) =>
    Object.fromEntries(Object.entries(r).filter(([k]) => k !== "step_time" && !k.startsWith("perf/"))),
  );

describe("GRPO runs in worker threads", () => {
  let dir: string;
  let modelDir: string;
  let tokenizer: HfTokenizer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "run-workers-"));
    modelDir = await writeTinyModelDir(11);
    tokenizer = HfTokenizer.fromDir(modelDir);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(modelDir, { recursive: true, force: true });
  });

  /** Train `config` with `workers` (stopping after `stopAt` steps); returns the output dir and the final weights. */
  async function trainWith(
    name: string,
    config: Record<string, unknown>,
    workers: number,
    opts: { resumeFrom?: string; stopAt?: number } = {},
  ) {
    const out = join(dir, name);
    const model = await Qwen2ForCausalLM.fromPretrained(modelDir);
    const run = train(
      { ...BASE, ...config, output_dir: out },
      { model, tokenizer, dataset: ROWS },
      { workers, resumeFrom: opts.resumeFrom },
    );
    run.on("step", (m) => {
      if (m.step === opts.stopAt) run.stop();
    });
    await run.done;
    const weights = model.trainableVariables().map((v) => Float32Array.from(v.dataSync() as Float32Array));
    model.dispose();
    return { out, weights, run };
  }

  it("completions do not depend on micro-batch size or worker count; updates are bit-identical across worker counts", async () => {
    const w2 = await trainWith("w2", {}, 2);
    const w1 = await trainWith("w1", {}, 1);
    const w0 = await trainWith("w0", {}, 0);
    const oneBatch = await trainWith(
      "mb8",
      { per_device_train_batch_size: 8, gradient_accumulation_steps: 1 },
      2,
    );
    const comps = (o: string) =>
      readJsonl(join(o, "completions.jsonl")).map((r) => [r.step, r.prompt, r.completion]);
    const metrics = (o: string) => timeless(readJsonl(join(o, "metrics.jsonl")));
    // Same micro-batches, 0 / 1 / 2 workers: every completion, metric and weight bit for bit (gradients are
    // summed in micro-batch order, and every replica applies the same AdamW update).
    assert.deepEqual(comps(w2.out), comps(w1.out));
    assert.deepEqual(comps(w2.out), comps(w0.out));
    assert.deepEqual(metrics(w2.out), metrics(w1.out));
    assert.deepEqual(metrics(w2.out), metrics(w0.out));
    assert.deepEqual(w2.weights, w1.weights);
    assert.deepEqual(w2.weights, w0.weights);
    // Another micro-batch size: the first step's completions are the same (each has its own seed); the update
    // sums the gradient in other float32 pieces, so weights agree only to ~1e-6 (relative to their scale).
    const firstStep = (o: string) => comps(o).filter((c) => c[0] === 1);
    assert.deepEqual(firstStep(oneBatch.out), firstStep(w2.out));
    let maxDiff = 0;
    oneBatch.weights.forEach((w, i) => {
      w.forEach((x, j) => {
        maxDiff = Math.max(maxDiff, Math.abs(x - w2.weights[i][j]));
      });
    });
    assert.ok(maxDiff < 1e-4, `weights after 3 steps differ by ${maxDiff}`);
  });

  it("resume with 2 workers is bit-exact: 4 steps straight = 2 steps, stop, resume, 2 more", async () => {
    const cfg = { max_steps: 4, save_steps: 2 };
    const straight = await trainWith("straight", cfg, 2);
    const first = await trainWith("split", cfg, 2, { stopAt: 2 });
    const ckpt = latestCheckpoint(first.out);
    assert.equal(ckpt, join(first.out, "checkpoint-2"));
    const resumed = await trainWith("split", cfg, 2, { resumeFrom: ckpt ?? undefined });
    const metrics = readJsonl(join(straight.out, "metrics.jsonl"));
    assert.ok(
      metrics.some((m) => (m.grad_norm as number) > 0),
      "the toy run learns (non-zero gradients)",
    );
    assert.deepEqual(timeless(readJsonl(join(resumed.out, "metrics.jsonl"))), timeless(metrics));
    assert.deepEqual(
      readJsonl(join(resumed.out, "completions.jsonl")),
      readJsonl(join(straight.out, "completions.jsonl")),
    );
    assert.deepEqual(resumed.weights, straight.weights);
    assert.equal(typeof metrics[0]["perf/control_reward_time"], "number", "scored in this process");
  });

  it("update() refuses at once what the job cannot do; a throwing listener is a warning, not a failure", async () => {
    const model = await Qwen2ForCausalLM.fromPretrained(modelDir);
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...a: unknown[]) => warnings.push(a.join(" "));
    try {
      const run: RunHandle = train(
        { ...BASE, max_steps: 3, output_dir: join(dir, "refusals") },
        { model, tokenizer, dataset: ROWS },
        { workers: 2 },
      );
      assert.throws(
        () => run.update({ beta: 0.04 }),
        /beta = 0.04 needs a reference model.*started with beta 0/,
      );
      assert.throws(
        () => run.update({ max_completion_length: 5000 }),
        /max_completion_length = 5000 .* exceeds the model's context \(max_position_embeddings 2048\); use at most 1536/,
      );
      assert.throws(() => run.update({ seed: 1 } as never), /seed cannot change while a run trains/);
      assert.throws(() => run.update({ learning_rate: -1 }), /learning_rate/);
      run.update({ temperature: 0.7 });
      run.on("step", () => {
        throw new Error("listener bug");
      });
      const summary = await run.done;
      assert.equal(summary.steps, 3, "the run finished despite the listener");
      assert.equal(
        warnings.filter((w) => /listener .* threw \(listener bug\)/.test(w)).length,
        1,
        warnings.join("\n"),
      );
      assert.equal(run.metrics[0].updates?.temperature, 0.7);
    } finally {
      console.warn = warn;
    }
    model.dispose();
    assert.throws(
      () => train({ ...BASE, output_dir: join(dir, "disposed") }, { model, tokenizer, dataset: ROWS }),
      /model was disposed/,
    );
    assert.throws(() => model.trainableVariables(), /model was disposed/);
  });
});

/**
 * llama.cpp as the GRPO rollout engine: rollouts sampled by llama.cpp, the loss on the trainer's own log-probs,
 * the weights rewritten into the engine after every optimizer step (`perf/sync_time`), and the sampler/trainer
 * log-prob mismatch logged per step, small while the engine is in sync and large when it is not.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { StepMetrics } from "../../src/grpo/metrics";
import { train } from "../../src/grpo/train";
import { Qwen2ForCausalLM } from "../../src/model/qwen2";
import { registerReward } from "../../src/rewards/index";
import { HfTokenizer } from "../../src/tokenizer/tokenizer";
import { writeTinyModelDir } from "../eval/helpers/tiny-model";

registerReward("odd_length_llama", (cs) => cs.map((c) => c.length % 2));

const ROWS = Array.from({ length: 12 }, (_, i) => ({
  id: `r${i}`,
  problem: `What is ${i} + ${2 * i}?`,
  answer: "1",
}));
const CONFIG = {
  reward_funcs: ["odd_length_llama"],
  num_generations: 4,
  per_device_train_batch_size: 8,
  max_completion_length: 12,
  temperature: 1.0,
  learning_rate: 2e-2,
  lr_scheduler_type: "constant",
  beta: 0,
  max_steps: 3,
  save_steps: 0,
  logging_steps: 1,
  rollout_engine: "llama.cpp",
};

describe("llama.cpp rollouts in GRPO", () => {
  let dir: string;
  let modelDir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "llama-grpo-"));
    modelDir = await writeTinyModelDir(13);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(modelDir, { recursive: true, force: true });
  });

  async function run(
    name: string,
    extra: Record<string, unknown>,
    workers: number,
    resume = false,
  ): Promise<StepMetrics[]> {
    const model = await Qwen2ForCausalLM.fromPretrained(modelDir);
    const r = train(
      { ...CONFIG, ...extra, output_dir: join(dir, name) },
      { model, tokenizer: HfTokenizer.fromDir(modelDir), dataset: ROWS },
      { workers, resume },
    );
    await r.done;
    model.dispose();
    return r.metrics;
  }

  it("trains on llama.cpp rollouts, syncs weights every step, the mismatch shows a stale engine, and a run repeats exactly", async () => {
    const runs: StepMetrics[][] = [];
    for (const workers of [0, 2]) {
      const synced = await run(`synced-${workers}`, {}, workers);
      runs.push(synced);
      assert.equal(synced.length, 3);
      for (const m of synced) {
        assert.equal(typeof m["perf/sync_time"], "number", "the sync time is logged");
        assert.ok((m.grad_norm as number) > 0, "the policy learns from the engine's rollouts");
        // F16 KV cache in llama.cpp vs float32 tfjs: ~1e-3 nats per token at most
        assert.ok(
          (m["rollout/logp_diff_max"] as number) < 0.02,
          `step ${m.step}: ${m["rollout/logp_diff_max"]}`,
        );
      }
    }
    const [synced0, synced2] = runs;
    const stale = await run("stale", { weight_sync_steps: 100 }, 0);
    const fresh = await run("fresh", {}, 0);
    // reproducible: the same run again, and on two worker threads, gives the same completions and updates
    // (one seed per completion, llama.cpp's sampling serialised, the same F32 weights synced every step)
    const trace = (ms: StepMetrics[]) => ms.map((m) => [m.loss, m.reward, m.completion_length, m.grad_norm]);
    assert.deepEqual(trace(fresh), trace(synced0), "the same llama.cpp run twice is identical");
    assert.deepEqual(trace(synced2), trace(synced0), "0 or 2 worker threads: the same run");
    // step 1 samples from the initial weights in both; from step 2 on only the synced engine has the new ones
    assert.ok((stale[0]["rollout/logp_diff_mean"] as number) < 0.005);
    const gap =
      (stale[2]["rollout/logp_diff_mean"] as number) / (fresh[2]["rollout/logp_diff_mean"] as number);
    assert.ok(gap > 5, `a stale engine is far from the trainer (${gap.toFixed(1)}× the synced mismatch)`);
  });

  it("a run resumed from its checkpoint on llama.cpp rollouts continues exactly as the uninterrupted run", async () => {
    // the engine holds nothing but the weights: a resume writes the checkpoint's F32 weights into a new GGUF
    const full = await run("full", { max_steps: 4 }, 0);
    await run("cut", { max_steps: 2, save_steps: 2 }, 0);
    const resumed = await run("cut", { max_steps: 4, save_steps: 2 }, 0, true);
    const trace = (ms: StepMetrics[]) => ms.map((m) => [m.step, m.loss, m.reward, m.grad_norm]);
    assert.deepEqual(trace(resumed.slice(-2)), trace(full.slice(-2)));
  });
});

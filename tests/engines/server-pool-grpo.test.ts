import assert from "node:assert/strict";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { initBackend } from "../../src/backend/select";
import type { MathRow } from "../../src/data/schema";
import { resolveGrpoConfig } from "../../src/grpo/config-resolve";
import { GrpoTrainer } from "../../src/grpo/trainer";
import { readJsonl } from "../../src/io/jsonl";
import { Qwen2ForCausalLM } from "../../src/model/qwen2";
import type { WeightedReward } from "../../src/rewards";
import { HfTokenizer } from "../../src/tokenizer/tokenizer";
import { type ServeProcess, startServe } from "../eval/helpers/serve-process";
import { TINY_TOKENIZER_DIR, writeTinyModelDir } from "../eval/helpers/tiny-model";

// GRPO with rollout_engine "servers" against two loopback `open-rs serve --allow-reload DIR --api-key KEY`
// processes. `open-rs serve` samples with our tfjs sampler and the request's seed, so with the weights reloaded
// after every step the completions equal a tfjs-engine run of the same config, step by step; without reloads
// they part from step 2 on (the learning rate is large enough that one step changes the sampled tokens).

const KEY = "pool-test-key";

/** One `open-rs serve` on a free port. */
const serve = (args: string[]): Promise<ServeProcess> => startServe(["--port", "0", ...args]);

/** A reward with spread inside every group: the share of vowels in the completion. */
const vowels: WeightedReward = {
  key: "vowels",
  name: "vowels",
  weight: 1,
  fn: (completions) => completions.map((c) => (c.match(/[aeiou]/gi)?.length ?? 0) / (c.length + 1)),
};

const dataset: MathRow[] = Array.from({ length: 8 }, (_, i) => ({
  id: `p${i}`,
  problem: `What is ${i + 2} + ${i * 3}?`,
  answer: String(i + 2 + i * 3),
}));

const STEPS = 3;

describe("GRPO on a pool of two open-rs serve processes (rollout_engine: servers)", {
  skip: !existsSync(TINY_TOKENIZER_DIR) && "no tiny-r1 tokenizer",
}, () => {
  let modelDir: string;
  let allow: string;
  let servers: ServeProcess[] = [];

  before(async () => {
    await initBackend(); // the backend `open-rs serve` picks, so both sides compute the same logits
    modelDir = await writeTinyModelDir(7);
    allow = realpathSync(mkdtempSync(join(tmpdir(), "pool-allow-")));
    const args = ["--model", modelDir, "--name", "tiny", "--allow-reload", allow, "--api-key", KEY];
    servers = await Promise.all([serve(args), serve(args)]);
  });
  after(() => {
    for (const s of servers) s.child.kill("SIGKILL");
    rmSync(modelDir, { recursive: true, force: true });
    rmSync(allow, { recursive: true, force: true });
  });

  /** Runs STEPS steps; resolves to the completions of each step (texts, in row order) and the metrics. */
  async function train(name: string, over: Record<string, unknown>, parent = allow) {
    const out = join(parent, name);
    const { config } = resolveGrpoConfig({
      per_device_train_batch_size: 8,
      gradient_accumulation_steps: 1,
      num_generations: 4,
      max_prompt_length: 128,
      max_completion_length: 10,
      learning_rate: 5e-2,
      lr_scheduler_type: "constant",
      temperature: 1,
      beta: 0,
      seed: 3,
      save_steps: 0,
      logging_steps: 1,
      log_completions: true,
      system_prompt: null,
      output_dir: out,
      ...over,
    });
    const trainer = new GrpoTrainer(config, {
      model: await Qwen2ForCausalLM.fromPretrained(modelDir),
      tokenizer: HfTokenizer.fromDir(modelDir),
      dataset,
      rewards: [vowels],
    });
    try {
      for (let i = 0; i < STEPS; i++) await trainer.trainStep();
    } finally {
      await trainer.dispose();
      trainer.model?.dispose();
    }
    const rows = readJsonl(join(out, "completions.jsonl"));
    const steps = Array.from({ length: STEPS }, (_, s) =>
      rows.filter((r) => r.step === s + 1).map((r) => r.completion as string),
    );
    return { steps, metrics: readJsonl(join(out, "metrics.jsonl")), out };
  }

  const pool = (over: Record<string, unknown> = {}) => ({
    rollout_engine: "servers",
    rollout_servers: servers.map((s) => s.url),
    rollout_api_key: KEY,
    ...over,
  });
  const reloadLines = (s: ServeProcess) => s.stderr().match(/loaded the weights of /g)?.length ?? 0;

  it("with a reload after every step, every step's completions equal the tfjs engine's", {
    timeout: 300_000,
  }, async () => {
    const ref = await train("tfjs", {});
    const before = servers.map(reloadLines);
    const t0 = performance.now();
    const run = await train("servers", pool({ weight_sync_steps: 1 }));
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(ref.steps[0].length, 8);
    for (let s = 0; s < STEPS; s++) assert.deepEqual(run.steps[s], ref.steps[s], `step ${s + 1}`);
    assert.notDeepEqual(
      ref.steps[1],
      ref.steps[0],
      "the policy moved: the prompts differ, but so must be checked",
    );
    // each server loaded the weights at the start and after each of the STEPS steps
    assert.deepEqual(
      servers.map((s, i) => reloadLines(s) - before[i]),
      [STEPS + 1, STEPS + 1],
    );
    for (const m of run.metrics) {
      assert.equal(typeof m["perf/sync_time"], "number");
      assert.ok((m["perf/sync_time"] as number) > 0, "perf/sync_time measured");
    }
    assert.ok(existsSync(join(run.out, "rollout-weights", "model.safetensors")));
    const sync = run.metrics.map((m) => m["perf/sync_time"] as number);
    const stepTime = (ms: Array<Record<string, unknown>>) => ms.map((m) => m.step_time as number);
    console.log(
      `# servers: step_time ${stepTime(run.metrics).map((x) => x.toFixed(2))} s (tfjs ${stepTime(ref.metrics).map((x) => x.toFixed(2))}), sync ${sync.map((x) => x.toFixed(3))} s, whole run ${seconds.toFixed(1)} s`,
    );
  });

  it("without reloads (weight_sync_steps past the run) the completions part from step 2 on", {
    timeout: 300_000,
  }, async () => {
    const ref = await train("tfjs-2", {});
    const run = await train("stale", pool({ weight_sync_steps: 100 }));
    assert.deepEqual(run.steps[0], ref.steps[0], "step 1 samples the initial weights on both");
    for (let s = 1; s < STEPS; s++) {
      assert.notDeepEqual(run.steps[s], ref.steps[s], `step ${s + 1} samples stale weights`);
    }
    assert.ok(run.metrics.every((m) => m["perf/sync_time"] === 0));
  });

  it("a wrong rollout_api_key fails the run with one clear line naming the server", {
    timeout: 120_000,
  }, async () => {
    await assert.rejects(train("bad-key", pool({ rollout_api_key: "wrong" })), (e: Error) => {
      assert.match(
        e.message,
        /^rollout server http:\/\/127\.0\.0\.1:\d+ refused GET \/v1\/models \(HTTP 401: .*\); rollout_api_key does not match the server's --api-key$/,
      );
      return true;
    });
  });

  it("an output_dir outside the servers' --allow-reload DIR fails with the server's reason", {
    timeout: 120_000,
  }, async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "pool-elsewhere-"));
    try {
      await assert.rejects(train("run", pool(), elsewhere), (e: Error) => {
        assert.match(
          e.message,
          /^rollout server http:\/\/127\.0\.0\.1:\d+ refused POST \/update_weights_from_disk \(HTTP 403: model_path .*rollout-weights is outside the directory this server may load from \(--allow-reload .*\)\)$/,
        );
        return true;
      });
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { latestCheckpoint, listCheckpoints, readCheckpoint } from "../../src/grpo/checkpoint";
import { resolveGrpoConfig } from "../../src/grpo/config-resolve";
import { saveTrainerCheckpoint } from "../../src/grpo/resume";
import { GrpoTrainer } from "../../src/grpo/trainer";
import { readJsonl } from "../../src/io/jsonl";
import { makeTrainer, resumeTrainer, trainTo } from "./resume-child";
import { sevenReward, toyConfig, toyDataset, toyModel, toyTokenizer, useCpu } from "./toy";

const CHILD = join(__dirname, "resume-child.ts");
const tmp = () => mkdtempSync(join(tmpdir(), "grpo-test-"));
/** Metrics without wall-clock fields (those differ between runs by nature). */
const timeless = (rows: Record<string, unknown>[]) =>
  rows.map((r) =>
    Object.fromEntries(Object.entries(r).filter(([k]) => k !== "step_time" && !k.startsWith("perf/"))),
  );
const runChild = (args: string[]) => {
  const r = spawnSync(process.execPath, ["--import", "tsx", CHILD, ...args], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `child ${args.join(" ")} failed:\n${r.stderr}`);
};

describe("GRPO trainer on a toy task (reward 1 when the completion contains 7)", () => {
  it("mean reward rises across 30 steps (fixed seed), with TRL-named metrics", async () => {
    await useCpu();
    const out = tmp();
    const { config } = resolveGrpoConfig({ ...toyConfig, learning_rate: 1e-2, output_dir: out });
    const t = new GrpoTrainer(config, {
      model: toyModel(1),
      tokenizer: toyTokenizer,
      dataset: toyDataset,
      rewards: [sevenReward],
    });
    const rewards: number[] = [];
    for (let i = 0; i < 30; i++) rewards.push((await t.trainStep()).reward as number);
    const first = rewards.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = rewards.slice(-10).reduce((a, b) => a + b) / 10;
    assert.ok(last > first + 0.3, `reward should rise: first 5 mean ${first}, last 10 mean ${last}`);
    const m = readJsonl(join(out, "metrics.jsonl"));
    assert.equal(m.length, 30);
    for (const key of [
      "reward",
      "reward_std",
      "rewards/seven_reward/mean",
      "rewards/seven_reward/std",
      "rewards/seven_reward",
      "frac_reward_zero_std",
      "completions/mean_length",
      "completions/min_length",
      "completions/max_length",
      "completions/clipped_ratio",
      "completion_length",
      "kl",
      "clip_ratio",
      "clip_ratio/low_mean",
      "clip_ratio/high_mean",
      "clip_ratio/region_mean",
      "entropy",
      "loss",
      "grad_norm",
      "learning_rate",
      "num_tokens",
      "step_time",
      "perf/rollout_time",
      "perf/train_time",
    ]) {
      assert.equal(typeof m[29][key], "number", `metric ${key}`);
    }
    t.dispose();
    t.model!.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  it("tf.memory().numTensors stays flat across 10 steps", async () => {
    await useCpu();
    const out = tmp();
    const t = makeTrainer(out, { save_steps: 0 });
    await t.trainStep(); // first step may create lazy caches (tied head transpose)
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) await t.trainStep();
    assert.equal(tf.memory().numTensors, before);
    t.dispose();
    t.model!.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  it("resume is bit-identical: 6 steps straight vs 3 + fresh-process resume + 3", async () => {
    const a = tmp();
    const b = tmp();
    await trainTo(a, 6, false);
    await trainTo(b, 3, false);
    assert.deepEqual(listCheckpoints(b), [3]);
    runChild(["train", b, "6", "resume"]);
    assert.deepEqual(
      readFileSync(join(b, "weights.json"), "utf8"),
      readFileSync(join(a, "weights.json"), "utf8"),
    );
    assert.deepEqual(
      timeless(readJsonl(join(b, "metrics.jsonl"))),
      timeless(readJsonl(join(a, "metrics.jsonl"))),
    );
    assert.deepEqual(readJsonl(join(b, "completions.jsonl")), readJsonl(join(a, "completions.jsonl")));
    assert.ok(
      existsSync(join(b, "checkpoint-6", "model", "config.json")),
      "an HF model dir in the checkpoint",
    );
    assert.deepEqual(listCheckpoints(a), [3, 6], "save_total_limit 2 keeps the newest two");
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  });

  it("kill -9 while writing a checkpoint leaves the previous one usable", async () => {
    const out = tmp();
    await trainTo(out, 3, false);
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, "crash", out], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        if (d.toString().includes("WRITING")) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`crash child exited (${code}) before writing`)));
    });
    await new Promise((r) => child.once("exit", r));
    assert.ok(
      readdirSync(out).some((n) => n.startsWith(".checkpoint-4.tmp-")),
      "the half-written temporary is left behind",
    );
    assert.equal(latestCheckpoint(out), join(out, "checkpoint-3"));
    assert.equal(readCheckpoint(join(out, "checkpoint-3")).state.step, 3);
    await useCpu();
    const t = makeTrainer(out);
    await resumeTrainer(t, latestCheckpoint(out)!);
    assert.equal(t.step, 3);
    await t.trainStep();
    await saveTrainerCheckpoint(t); // also sweeps the stale temporary
    assert.ok(!readdirSync(out).some((n) => n.includes(".tmp-")));
    assert.deepEqual(listCheckpoints(out), [3, 4]);
    t.dispose();
    t.model!.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  it("an injected crash between the temporary write and the rename keeps the old checkpoint", async () => {
    await useCpu();
    const out = tmp();
    const t = makeTrainer(out);
    await t.trainStep();
    await saveTrainerCheckpoint(t);
    await t.trainStep();
    await assert.rejects(
      saveTrainerCheckpoint(t, {
        beforeCommit: () => {
          throw new Error("injected crash");
        },
      }),
      /injected crash/,
    );
    assert.deepEqual(listCheckpoints(out), [1]);
    t.dispose();
    t.model!.dispose();
    rmSync(out, { recursive: true, force: true });
  });
});

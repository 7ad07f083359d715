import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { run } from "../../src/cli/commands/train";
import { listCheckpoints } from "../../src/grpo/checkpoint";
import { writeTinyModelDir } from "../eval/helpers/tiny-model";

const REPO = resolve(__dirname, "../..");

/** A tiny model dir (tiny-r1 tokenizer), a 4-row dataset and a recipe; returns the paths. */
async function setup(extra: string): Promise<{ dir: string; yaml: string; model: string }> {
  const dir = mkdtempSync(join(tmpdir(), "grpo-cli-"));
  const model = await writeTinyModelDir(3);
  const rows = ["1+1", "2+3", "4+4", "5+2"].map((p, i) =>
    JSON.stringify({ id: `r${i}`, problem: `What is ${p}?`, answer: "2" }),
  );
  writeFileSync(join(dir, "train.jsonl"), `${rows.join("\n")}\n`);
  const yaml = join(dir, "recipe.yaml");
  writeFileSync(
    yaml,
    [
      `model_name_or_path: ${model}`,
      `dataset_name: ${join(dir, "train.jsonl")}`,
      `output_dir: ${join(dir, "out")}`,
      "reward_funcs: [format]",
      "per_device_train_batch_size: 4",
      "num_generations: 4",
      "max_completion_length: 6",
      "learning_rate: 1.0e-3",
      "lr_scheduler_type: cosine_with_min_lr",
      "lr_scheduler_kwargs: {min_lr_rate: 0.1}",
      "warmup_ratio: 0.1",
      "use_vllm: true",
      "report_to: [wandb]",
      extra,
    ].join("\n"),
  );
  return { dir, yaml, model };
}

describe("open-rs train", () => {
  it("trains from a YAML recipe with --set overrides, writes metrics and checkpoints", async () => {
    const { dir, yaml, model } = await setup("max_steps: 2\nsave_steps: 1\nsave_total_limit: 1");
    const code = await run(["--config", yaml, "--set", "max_steps=3", "--set", "beta=0"]);
    assert.equal(code, 0);
    const lines = readFileSync(join(dir, "out", "metrics.jsonl"), "utf8")
      .trim()
      .split("\n");
    assert.equal(lines.length, 3, "--set max_steps=3 took effect");
    assert.equal(JSON.parse(lines[2]).kl, undefined, "β = 0: no kl metric, as TRL");
    assert.deepEqual(listCheckpoints(join(dir, "out")), [3]);
    assert.ok(existsSync(join(dir, "out", "checkpoint-3", "model", "tokenizer.json")), "tokenizer copied");
    assert.equal(await run(["--config", yaml, "--set", "num_generations=3"]), 1, "a config error exits 1");
    rmSync(dir, { recursive: true, force: true });
    rmSync(model, { recursive: true, force: true });
  });

  it("Ctrl-C writes a checkpoint and exits cleanly; --resume continues from it", async () => {
    const { dir, yaml, model } = await setup("max_steps: 200\nsave_steps: 0");
    const child = spawn(process.execPath, [join(REPO, "bin/open-rs.js"), "train", "--config", yaml], {
      cwd: REPO,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const metrics = join(dir, "out", "metrics.jsonl");
    while (!existsSync(metrics)) await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    assert.equal(code, 0, stderr);
    const steps = listCheckpoints(join(dir, "out"));
    assert.equal(steps.length, 1, stderr);
    assert.match(stderr, /stopped at step/);
    assert.equal(await run(["--config", yaml, "--resume", "--set", `max_steps=${steps[0] + 1}`]), 0);
    const lines = readFileSync(metrics, "utf8").trim().split("\n");
    assert.equal(JSON.parse(lines[lines.length - 1]).step, steps[0] + 1);
    rmSync(dir, { recursive: true, force: true });
    rmSync(model, { recursive: true, force: true });
  });
});

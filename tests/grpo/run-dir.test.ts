/**
 * Every run owns its output_dir, in the API and the CLI alike: a fresh run refuses another run's files unless
 * told to resume or overwrite; a second active run is refused (in this process and across processes); a resume
 * applies the overrides it may and refuses the others with the reason; a restart after a kill before the first
 * checkpoint leaves no duplicate rows.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { run as cli } from "../../src/cli/commands/train";
import { latestCheckpoint, listCheckpoints } from "../../src/grpo/checkpoint";
import { train } from "../../src/grpo/train";
import { writeTinyModelDir } from "../eval/helpers/tiny-model";
import { sevenReward, toyConfig, toyDataset, toyModel, toyTokenizer, useCpu } from "./toy";

const REPO = resolve(__dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "run-dir-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const steps = (out: string) =>
  readFileSync(join(out, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { step: number }).step);
const deps = () => ({
  model: toyModel(1),
  tokenizer: toyTokenizer,
  dataset: toyDataset,
  rewards: [sevenReward],
});
const runToy = (out: string, extra: Record<string, unknown> = {}, opts: Record<string, unknown> = {}) =>
  train({ ...toyConfig, max_steps: 3, save_steps: 2, output_dir: out, ...extra }, deps(), {
    workers: 0,
    ...opts,
  });

describe("run directories (API)", () => {
  it("a fresh run refuses another run's files; overwrite replaces them; resume continues them", async () => {
    await useCpu();
    const out = join(dir, "api");
    const first = runToy(out);
    await first.done;
    const firstId = JSON.parse(readFileSync(join(out, "run.json"), "utf8")).run_id as string;
    assert.throws(
      () => runToy(out),
      (e: Error) =>
        e.message.includes(`output_dir ${out} holds another run's files`) &&
        e.message.includes(`run ${firstId}`) &&
        /checkpoint-2/.test(e.message) &&
        /resume it .* overwrite it .* or choose a new output_dir/.test(e.message) &&
        !e.message.includes("\n"),
    );
    assert.deepEqual(steps(out), [1, 2, 3], "the refused run touched nothing");
    // overwrite: a new run id, the old rows and checkpoints gone
    const again = runToy(out, { overwrite_output_dir: true, max_steps: 1 });
    await again.done;
    assert.deepEqual(steps(out), [1]);
    assert.notEqual(JSON.parse(readFileSync(join(out, "run.json"), "utf8")).run_id, firstId);
    assert.deepEqual(listCheckpoints(out), []);
    // resume from this directory's checkpoint continues it, with the allowed override logged
    const base = runToy(out, { overwrite_output_dir: true, max_steps: 2 });
    await base.done;
    const resumed = runToy(out, { max_steps: 4, learning_rate: 5e-3 }, { resumeFrom: latestCheckpoint(out) });
    await resumed.done;
    assert.deepEqual(steps(out), [1, 2, 3, 4]);
    assert.deepEqual(resumed.metrics[0].updates, { max_steps: 4, learning_rate: 5e-3 });
  });

  it("a resume that changes what defines the run is refused with the reason", async () => {
    await useCpu();
    const out = join(dir, "refuse");
    await runToy(out, { max_steps: 2 }).done;
    const record = readFileSync(join(out, "run.json"), "utf8");
    assert.throws(
      () => runToy(out, { seed: 8, num_generations: 2 }, { resumeFrom: latestCheckpoint(out) }),
      /resume: num_generations \(checkpoint 4, now 2\), seed \(checkpoint 7, now 8\) cannot change when resuming/,
    );
    assert.deepEqual(steps(out), [1, 2], "the refused resume wrote nothing");
    assert.equal(readFileSync(join(out, "run.json"), "utf8"), record);
  });

  it("a second active run on the same directory is refused", async () => {
    await useCpu();
    const out = join(dir, "busy");
    const a = runToy(out, { max_steps: 50, save_steps: 0 });
    assert.throws(
      () => runToy(out, { overwrite_output_dir: true }),
      /in use by run [0-9a-f]+, still active in this process/,
    );
    a.stop();
    await a.done;
    const b = runToy(out, { max_steps: 1 }, { resume: true });
    await b.done;
  });

  it("a restart after a kill before the first checkpoint leaves no duplicate rows (torn last line dropped)", async () => {
    await useCpu();
    const out = join(dir, "killed");
    await runToy(out, { max_steps: 3, save_steps: 0 }).done;
    // as a SIGKILL mid-write leaves it: 3 rows and a torn fourth
    writeFileSync(
      join(out, "metrics.jsonl"),
      `${readFileSync(join(out, "metrics.jsonl"), "utf8")}{"step":4,"rew`,
    );
    const warnings: string[] = [];
    const r = train(
      { ...toyConfig, max_steps: 2, save_steps: 0, output_dir: out },
      { ...deps(), warn: (m: string) => warnings.push(m) } as never,
      { workers: 0, resume: true },
    );
    await r.done;
    assert.deepEqual(steps(out), [1, 2]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /metrics\.jsonl:4: dropped a torn last line/);
  });
});

describe("run directories (CLI, worker processes)", () => {
  let model: string;
  const recipe = (out: string, extra: Record<string, number> = {}) => {
    const rows = ["1+1", "2+3", "4+4", "5+2"].map((p, i) =>
      JSON.stringify({ id: `r${i}`, problem: `What is ${p}?`, answer: "2" }),
    );
    const data = join(dir, "train.jsonl");
    writeFileSync(data, `${rows.join("\n")}\n`);
    const yaml = join(dir, `${out.split("/").pop()}.yaml`);
    const keys: Record<string, string | number> = {
      model_name_or_path: model,
      dataset_name: data,
      output_dir: out,
      reward_funcs: "[format]",
      per_device_train_batch_size: 4,
      num_generations: 4,
      max_completion_length: 6,
      learning_rate: "1.0e-3",
      max_steps: 2,
      save_steps: 1,
      ...extra,
    };
    writeFileSync(
      yaml,
      Object.entries(keys)
        .map(([k, v]) => `${k}: ${v}`)
        .join("\n"),
    );
    return yaml;
  };
  const stderrOf = async (args: string[]) => {
    const chunks: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string | Uint8Array) => {
      chunks.push(String(c));
      return true;
    }) as typeof process.stderr.write;
    try {
      return { code: await cli(args), stderr: chunks.join("") };
    } finally {
      process.stderr.write = write;
    }
  };

  it("refuses a used output_dir, overwrites or resumes it on request, and refuses a run-defining --set on resume", async () => {
    model = await writeTinyModelDir(3);
    const out = join(dir, "cli");
    const yaml = recipe(out);
    assert.equal((await stderrOf(["--config", yaml])).code, 0);
    const refused = await stderrOf(["--config", yaml]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /holds another run's files .* resume it \(--resume/);
    assert.equal(
      (await stderrOf(["--config", yaml, "--overwrite-output-dir", "--set", "max_steps=1"])).code,
      0,
    );
    assert.deepEqual(steps(out), [1]);
    const seed = await stderrOf(["--config", yaml, "--resume", "--set", "seed=7"]);
    assert.equal(seed.code, 1);
    assert.match(seed.stderr, /seed \(checkpoint 42, now 7\) cannot change when resuming/);
    const lr = await stderrOf([
      "--config",
      yaml,
      "--resume",
      "--set",
      "max_steps=3",
      "--set",
      "learning_rate=2e-3",
    ]);
    assert.equal(lr.code, 0, lr.stderr);
    assert.deepEqual(steps(out), [1, 2, 3]);
    const rows = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n");
    assert.deepEqual(
      JSON.parse(rows[1]).updates,
      { max_steps: 3, learning_rate: 2e-3 },
      "--set applied on resume",
    );
  });

  it("refuses an output_dir another process is training in; a dead owner's lock does not count", async () => {
    const out = join(dir, "locked");
    const yaml = recipe(out, { max_steps: 500, save_steps: 0 });
    const child = spawn(
      process.execPath,
      [join(REPO, "bin/open-rs.js"), "train", "--config", yaml, "--set", "max_steps=500"],
      {
        cwd: REPO,
        stdio: ["ignore", "ignore", "ignore"],
      },
    );
    const t0 = Date.now();
    while (!existsSync(join(out, "metrics.jsonl"))) {
      assert.ok(Date.now() - t0 < 120_000, "the background run never started");
      await new Promise((r) => setTimeout(r, 100));
    }
    const busy = await stderrOf(["--config", yaml, "--overwrite-output-dir"]);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, new RegExp(`in use by run [0-9a-f]+ of process ${child.pid}`));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    assert.equal(
      (await stderrOf(["--config", yaml, "--overwrite-output-dir", "--set", "max_steps=1"])).code,
      0,
    );
    rmSync(model, { recursive: true, force: true });
  });
});

/**
 * Every command of the README's "What you can run" table, run as a user would type it (child processes from
 * the repo root) with tiny settings. A command added to the table without a run here fails the first test.
 * The notebook commands' execution is tests/notebooks/notebooks.test.ts (the same executeNotebooks, all five
 * notebooks); here their entry points are checked. `npm test` is the command running this file.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeSplits } from "../src/data/synthetic/index";
import { startServe } from "./eval/helpers/serve-process";

const REPO = resolve(__dirname, "..");
const SHARED = process.env.OPEN_RS_SHARED_DATA ?? resolve(REPO, "../shared/data");
let tmp: string;

/** The first cell of each row of the README's command table, in backticks. */
function readmeCommands(): string[] {
  const text = readFileSync(join(REPO, "README.md"), "utf8");
  const table = text.slice(text.indexOf("## What you can run"), text.indexOf("## Notebooks"));
  return table
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) => l.slice(2, l.indexOf(" | ")).trim());
}

/** Runs a shell command line from the repo root; resolves to its exit code and output. */
function sh(
  line: string,
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolveRun) => {
    const child = spawn("bash", ["-c", line], {
      cwd: REPO,
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group, so a timeout ends npm/npx and what they started
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), opts.timeoutMs ?? 180_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolveRun({ code, out, err });
    });
  });
}

async function ok(line: string, opts?: Parameters<typeof sh>[1]) {
  const r = await sh(line, opts);
  assert.equal(r.code, 0, `${line}\nexit ${r.code}\n${r.err.slice(-3000)}`);
  return r;
}

/** `open-rs serve ARGS` (space-separated), started as `npx open-rs serve` would start it. */
const serve = (args: string) => startServe(args.split(" "));

/** Tiny runs of each README command (keys: the README's text). */
const RUNS: Record<string, () => Promise<void>> = {
  "npm start": async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    assert.equal(pkg.scripts.start, "tsx scripts/run-notebooks.ts start");
  },
  "npm run reports [-- NAME ...]": async () => {
    const r = await sh("npm run -s reports -- no-such-notebook");
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown notebook no-such-notebook; valid: 00-quickstart, .*04-evaluate/);
  },
  "npm run reports:docs": async () => {
    // a real run re-renders docs/reports (minutes); check the script is the one the README describes
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    assert.equal(pkg.scripts["reports:docs"], "tsx scripts/run-notebooks.ts docs");
  },
  "npx tsx scripts/run-notebooks.ts render FILE.ipynb": async () => {
    const file = join(tmp, "saved.ipynb");
    writeFileSync(file, readFileSync(join(REPO, "docs/reports/05-compare-runs.ipynb")));
    const r = await ok(`npx tsx scripts/run-notebooks.ts render ${file}`);
    assert.match(r.err, /saved\.ipynb .*→ .*saved\.html/);
    assert.ok(existsSync(join(tmp, "saved.html")));
  },
  "npx open-rs convert DIR [--type f32\\|f16\\|q8_0]": async () => {
    const r = await ok(`npx open-rs convert data/models/tiny-r1 --type f16 --out ${join(tmp, "tiny.gguf")}`);
    assert.match(r.out, /tiny\.gguf/);
    assert.ok(existsSync(join(tmp, "tiny.gguf")));
  },
  "npm run kernel:install": async () => {
    const data = join(tmp, "jupyter-data");
    const r = await sh(`JUPYTER_DATA_DIR=${data} npm run -s kernel:install`);
    assert.equal(r.code, 0, r.err);
    assert.ok(existsSync(join(data, "kernels", "open-rs-ts", "kernel.json")));
  },
  "npm run notebook": async () => {
    const ui = await sh("jupyter lab --version || jupyter notebook --version");
    if (ui.code === 0) return; // a UI is installed: it would block; the no-UI path is what CI sees
    const r = await sh("npm run -s notebook");
    assert.equal(r.code, 1);
    assert.match(r.err, /No Jupyter UI is installed\. Install one: .*npm run reports/);
  },
  "npm test": async () => {
    // this file runs inside `npm test`; check the script is the one the README describes
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    assert.equal(pkg.scripts.test, "npm run typecheck && npm run lint && npm run test:unit");
  },
  "npx open-rs info": async () => {
    const r = await ok("npx open-rs info");
    assert.match(r.out, /^backend: (tensorflow|wasm|cpu)/m);
  },
  "npx open-rs train --config configs/quickstart.yaml [--resume] [--set key=value ...]": async () => {
    const out = join(tmp, "train");
    const tiny = `--set per_device_train_batch_size=12 --set gradient_accumulation_steps=1 --set save_steps=1 --set output_dir=${out}`;
    await ok(`npx open-rs train --config configs/quickstart.yaml --set max_steps=1 ${tiny}`);
    const r = await ok(
      `npx open-rs train --config configs/quickstart.yaml --resume --set max_steps=2 ${tiny}`,
    );
    assert.match(r.err, /finished at step 2/);
    const steps = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).step);
    assert.deepEqual(steps, [1, 2]);
  },
  "npx open-rs eval --model DIR \\| --base-url URL --benchmarks aime24,math500 --n 4 [--limit K] [--engine llama.cpp]":
    async () => {
      const bench = existsSync(join(SHARED, "benchmarks/aime24.jsonl"))
        ? `aime24,math500 --source local --data-dir ${join(SHARED, "benchmarks")}`
        : join(tmp, "synth.jsonl");
      const common = `--benchmarks ${bench} --n 4 --limit 1 --max-tokens 16`;
      const local = await ok(
        `npx open-rs eval --model data/models/tiny-r1 ${common} --out ${join(tmp, "eval-local.jsonl")}`,
      );
      assert.match(local.out, /avg@4|avg/);
      const llama = await ok(
        `npx open-rs eval --model data/models/tiny-r1 --engine llama.cpp ${common} --out ${join(tmp, "eval-llama.jsonl")}`,
      );
      assert.match(llama.out, /avg@4|avg/);
      const { child, url } = await serve("--model data/models/tiny-r1 --port 0");
      try {
        const http = await ok(
          `npx open-rs eval --base-url ${url} ${common} --out ${join(tmp, "eval-http.jsonl")}`,
        );
        assert.match(http.out, /results: /);
      } finally {
        child.kill("SIGTERM");
      }
    },
  "npx open-rs serve --model DIR --port N [--api-key KEY] [--allow-reload DIR]": async () => {
    const { child, url } = await serve(
      `--model data/models/tiny-r1 --port 0 --api-key k1 --allow-reload ${tmp}`,
    );
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    const auth = { authorization: "Bearer k1" };
    try {
      assert.equal((await fetch(`${url}/v1/models`)).status, 401, "the key guards every endpoint");
      const models = (await (await fetch(`${url}/v1/models`, { headers: auth })).json()) as {
        data: { id: string }[];
      };
      assert.equal(models.data[0].id, "tiny-r1");
      const r = await fetch(`${url}/v1/chat/completions`, {
        headers: auth,
        method: "POST",
        body: JSON.stringify({
          model: "tiny-r1",
          messages: [{ role: "user", content: "1+1=" }],
          max_tokens: 8,
        }),
      });
      assert.equal(r.status, 200);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0, "SIGTERM: a clean exit");
  },
  "npx tsx scripts/quickstart.ts [--seed N] [--set key=value]": async () => {
    const r = await ok(
      `npx tsx scripts/quickstart.ts --seed 3 --out ${join(tmp, "qs")} --set max_steps=1 --set per_device_train_batch_size=12 --set gradient_accumulation_steps=1 --set quickstart.eval_hard=2 --set quickstart.eval_easy=0 --set "quickstart.eval={n: 1, maxNewTokens: 16}"`,
    );
    assert.match(r.out, /GRPO: 1 steps/);
  },
  "npx tsx scripts/run-experiment.ts configs/experiment-1.yaml [--seed N]": async () => {
    const r = await ok(
      `npx tsx scripts/run-experiment.ts configs/experiment-1.yaml --seed 3 --out ${join(tmp, "exp")} --set max_steps=1 --set per_device_train_batch_size=12 --set gradient_accumulation_steps=1 --set quickstart.eval_hard=2 --set quickstart.eval_easy=0 --set "quickstart.eval={n: 1, maxNewTokens: 16}"`,
    );
    assert.match(r.out, /held-out pass@1 \(%\) per eval point/);
  },
  "npm run make:tiny": async () => {
    const out = join(tmp, "tiny");
    const r = await ok(
      `npm run -s make:tiny -- --out ${out} --steps 1 --eval-n 1 --eval-problems 1 --log-dir ${join(tmp, "tiny-log")}`,
    );
    assert.match(r.out, /tiny-r1: \d+ params/);
    assert.ok(existsSync(join(out, "model.safetensors")) && existsSync(join(out, "README.md")));
  },
  "npm run bench:engine`, `bench:verify`, `bench:grpo`, `bench:generate": async () => {
    const engine = await ok("npm run -s bench:engine -- m1");
    assert.match(engine.out, /"config":"m1"/);
    const verify = await ok("npm run -s bench:verify");
    assert.match(verify.out + verify.err, /pairs\/s|shared/);
    const grpo = await ok("npm run -s bench:grpo -- 0 1");
    assert.match(grpo.out, /"bench":"grpo-step".*"workers":1/);
    const gen = await ok("npm run -s bench:generate -- --models tiny-r1 --threads 1 --reps 1 --n 6 --new 8");
    assert.match(gen.out, /"engine":"tfjs".*"tok_s"/);
    assert.match(gen.out, /"engine":"llama\.cpp".*"tok_s"/);
  },
};

describe("README: every command of the table runs", { concurrency: 2 }, () => {
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), "readme-"));
    const { heldoutEasy } = makeSplits({ heldoutHardSize: 1, heldoutEasySize: 2, trainSize: 1 });
    writeFileSync(join(tmp, "synth.jsonl"), heldoutEasy.map((r) => JSON.stringify(r)).join("\n"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("every README command has a run here", () => {
    const commands = readmeCommands();
    assert.ok(commands.length >= 12, `${commands.length} commands parsed`);
    for (const c of commands) assert.ok(RUNS[c.replace(/^`|`$/g, "")], `no run for README command ${c}`);
  });

  for (const [command, run] of Object.entries(RUNS)) {
    it(command, { timeout: 300_000 }, run);
  }
});

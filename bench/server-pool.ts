/**
 * GRPO step time with `rollout_engine: tfjs` and with `servers` (N loopback `open-rs serve` processes on this
 * machine), on the quickstart recipe (tiny-r1, 96 completions × 64 tokens per step), plus the weight sync time
 * (save the HF directory + every server's /update_weights_from_disk). Prints one JSON line per engine (medians
 * after a warm-up step). On one machine the servers compete with the trainer for the same cores: this measures
 * the engine's overhead, not the scale-out. Asserts nothing: the machine is shared.
 * Usage: npx tsx bench/server-pool.ts [steps=3] [servers=2]
 */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { initBackend } from "../src/backend/select";
import type { StepMetrics } from "../src/grpo/metrics";
import { train } from "../src/grpo/train";
import { Qwen2ForCausalLM } from "../src/model/qwen2";
import { loadQuickstartConfig } from "../src/quickstart/config";
import { TINY_MODEL_DIR, tinySplits } from "../src/tiny/recipe";
import { HfTokenizer } from "../src/tokenizer/tokenizer";
import { shutdownVerifier } from "../src/verify";
import { type ServeProcess, startServe } from "../tests/eval/helpers/serve-process";

const KEY = "bench-key";
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function serve(allow: string): Promise<ServeProcess> {
  const args = ["--model", TINY_MODEL_DIR, "--port", "0", "--allow-reload", allow, "--api-key", KEY];
  return startServe([...args, "--max-batch", "96"]);
}

async function run(steps: number, over: Record<string, unknown>, out: string): Promise<StepMetrics[]> {
  const { grpo, spec } = loadQuickstartConfig(join(__dirname, "../configs/quickstart.yaml"));
  const model = await Qwen2ForCausalLM.fromPretrained(TINY_MODEL_DIR);
  const tokenizer = HfTokenizer.fromDir(TINY_MODEL_DIR);
  const rows = tinySplits().train.filter((r) => spec.train_levels === "mix" || r.level === spec.train_levels);
  try {
    const r = train(
      { ...grpo, ...over, max_steps: steps + 1, save_steps: 0, log_completions: false, output_dir: out },
      { model, tokenizer, dataset: rows },
      { workers: 0 },
    );
    await r.done;
    return r.metrics.slice(1);
  } finally {
    model.dispose();
  }
}

async function main() {
  // usage: bench/server-pool.ts [STEPS] [SERVERS]
  const [stepsArg, serversArg] = parseArgs({ allowPositionals: true, strict: true }).positionals;
  const steps = Number(stepsArg ?? 3);
  const n = Number(serversArg ?? 2);
  await initBackend();
  const allow = realpathSync(mkdtempSync(join(tmpdir(), "pool-bench-")));
  const servers = await Promise.all(Array.from({ length: n }, () => serve(allow)));
  try {
    for (const [engine, over] of [
      ["tfjs", {}],
      [
        "servers",
        { rollout_engine: "servers", rollout_servers: servers.map((s) => s.url), rollout_api_key: KEY },
      ],
    ] as const) {
      const m = await run(steps, over, join(allow, engine));
      const pick = (k: string) => median(m.map((x) => (x as Record<string, number>)[k] ?? 0));
      console.log(
        JSON.stringify({
          engine,
          servers: engine === "servers" ? n : 0,
          steps: m.length,
          step_time: pick("step_time"),
          rollout_time: pick("perf/rollout_time"),
          train_time: pick("perf/train_time"),
          sync_time: pick("perf/sync_time"),
        }),
      );
    }
  } finally {
    for (const s of servers) s.child.kill("SIGTERM");
    await shutdownVerifier();
    rmSync(allow, { recursive: true, force: true });
  }
}

void main();

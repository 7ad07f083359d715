/**
 * Seconds per GRPO step with 1 and with N worker threads on the quickstart recipe (configs/quickstart.yaml:
 * tiny-r1, 16 prompts × G = 6 = 96 completions per step, 64-token cap, 2 micro-batches of 48), through the same
 * `train()` run handle the notebooks and the CLI use. Prints one JSON line per worker count (median step time
 * after a warm-up step, and the rollout/update split) and the ratio. Asserts nothing: the machine is shared.
 * Usage: npx tsx bench/grpo-step.ts [steps=4] [workers=1,2] [engines=tfjs]   (steps 0: one step, no warm-up)
 * engines: tfjs (the policy samples) and/or llama.cpp (rollout_engine: llama.cpp, weights synced every step);
 * `control-reward` is tfjs with the accuracy reward registered here, as a notebook cell registers one, so the
 * control process scores it on the worker's request (`perf/control_reward_time`, issue 12's cost per step).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { initBackend } from "../src/backend/select";
import type { StepMetrics } from "../src/grpo/metrics";
import { train } from "../src/grpo/train";
import { Qwen2ForCausalLM } from "../src/model/qwen2";
import { loadQuickstartConfig } from "../src/quickstart/config";
import { accuracyReward } from "../src/rewards/accuracy";
import { registerReward } from "../src/rewards/registry";
import { TINY_MODEL_DIR, tinySplits } from "../src/tiny/recipe";
import { HfTokenizer } from "../src/tokenizer/tokenizer";
import { shutdownVerifier } from "../src/verify";

/** The pseudo-engine that scores accuracy in this (the control) process. */
const CONTROL = "control-reward";
registerReward("accuracy_control", accuracyReward());

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function stepTimes(workers: number, steps: number, engine: string): Promise<StepMetrics[]> {
  const { grpo, spec } = loadQuickstartConfig(join(__dirname, "../configs/quickstart.yaml"));
  const out = mkdtempSync(join(tmpdir(), "grpo-bench-"));
  const model = await Qwen2ForCausalLM.fromPretrained(TINY_MODEL_DIR);
  const tokenizer = HfTokenizer.fromDir(TINY_MODEL_DIR);
  const rows = tinySplits().train.filter((r) => spec.train_levels === "mix" || r.level === spec.train_levels);
  try {
    const run = train(
      {
        ...grpo,
        max_steps: steps + 1,
        save_steps: 0,
        log_completions: false,
        output_dir: out,
        rollout_engine: engine === CONTROL ? "tfjs" : engine,
        ...(engine === CONTROL
          ? { reward_funcs: grpo.reward_funcs.map((k) => (k === "accuracy" ? "accuracy_control" : k)) }
          : {}),
      },
      { model, tokenizer, dataset: rows },
      { workers },
    );
    await run.done;
    // the first step warms caches and compiles the workers' code (kept for a smoke run of 0 steps)
    return steps === 0 ? run.metrics : run.metrics.slice(1);
  } finally {
    model.dispose();
    rmSync(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // usage: bench/grpo-step.ts [STEPS] [WORKER_COUNTS] [ENGINES]
  const [stepsArg, countsArg, enginesArg] = parseArgs({ allowPositionals: true, strict: true }).positionals;
  const steps = Number(stepsArg ?? 4);
  const counts = (countsArg ?? "1,2").split(",").map(Number);
  const engines = (enginesArg ?? "tfjs").split(",");
  const info = await initBackend();
  for (const engine of engines) {
    const results: Record<number, number> = {};
    for (const workers of counts) {
      const ms = await stepTimes(workers, steps, engine);
      const med = (k: string) => median(ms.map((m) => (m[k] as number) ?? 0));
      results[workers] = med("step_time");
      console.log(
        JSON.stringify({
          bench: "grpo-step",
          config: "configs/quickstart.yaml",
          backend: info.chosen,
          engine,
          workers,
          steps: ms.length,
          step_s: Number(med("step_time").toFixed(3)),
          rollout_s: Number(med("perf/rollout_time").toFixed(3)),
          train_s: Number(med("perf/train_time").toFixed(3)),
          ...(engine === "llama.cpp" ? { sync_s: Number(med("perf/sync_time").toFixed(3)) } : {}),
          ...(engine === CONTROL
            ? { control_reward_s: Number(med("perf/control_reward_time").toFixed(3)) }
            : {}),
          logp_diff_mean: Number(med("rollout/logp_diff_mean").toExponential(2)),
        }),
      );
    }
    if (counts.length > 1) {
      const base = results[counts[0]];
      for (const w of counts.slice(1)) {
        const value = Number((results[w] / base).toFixed(3));
        console.log(
          JSON.stringify({ bench: "grpo-step", engine, ratio: `${w} vs ${counts[0]} workers`, value }),
        );
      }
    }
  }
  await shutdownVerifier();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

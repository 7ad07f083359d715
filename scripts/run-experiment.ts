/**
 * Run one of the paper's experiments in miniature (configs/experiment-{1,2,3}.yaml): GRPO on the tiny model with
 * held-out evals every `quickstart.eval_every` steps, then print the curves (reward, length, clipped ratio per
 * step) and the held-out pass@1 per eval point. Writes the run's output_dir like the quickstart.
 *
 *   npx tsx scripts/run-experiment.ts configs/experiment-1.yaml [--seed N] [--out DIR] [--set key=value ...]
 */
import { initBackend } from "../src/backend/select";
import { runCommand, UsageError } from "../src/cli/errors";
import { loadQuickstartConfig } from "../src/quickstart/config";
import { beforeAfterTable, runQuickstart } from "../src/quickstart/run";
import { shutdownVerifier } from "../src/verify/index";
import { parseQuickstartArgs } from "./quickstart";

async function main(): Promise<number> {
  const [file, ...rest] = process.argv.slice(2);
  if (!file || file.startsWith("--")) throw new UsageError("give the experiment's config file first");
  const args = parseQuickstartArgs(["--config", file, ...rest]);
  await initBackend();
  const cfg = loadQuickstartConfig(args.config, args.overrides);
  for (const w of cfg.warnings) console.warn(w);
  // the verifier pool's workers would keep the process alive after the run
  const r = await runQuickstart({ modelDir: args.model, config: cfg }).finally(() => shutdownVerifier());
  const n = (m: Record<string, unknown>, k: string, d = 2) =>
    typeof m[k] === "number" ? (m[k] as number).toFixed(d) : "-";
  console.log("\nstep | reward | format | accuracy/cosine | mean len | clipped");
  for (const m of r.metrics) {
    const second = m["rewards/accuracy_reward"] ?? m["rewards/cosine_scaled_reward"];
    console.log(
      `${m.step} | ${n(m, "reward")} | ${n(m, "rewards/format_reward")} | ${typeof second === "number" ? second.toFixed(2) : "-"} | ${n(m, "completions/mean_length", 1)} | ${n(m, "completions/clipped_ratio")}`,
    );
  }
  console.log("\nheld-out pass@1 (%) per eval point:");
  for (const p of r.evals) {
    const s = (x?: { score: { avg: number; stderr: number } }) =>
      x ? `${(100 * x.score.avg).toFixed(1)} ± ${(100 * x.score.stderr).toFixed(1)}` : "-";
    console.log(`step ${p.step}: Hard ${s(p.hard)} · Easy ${s(p.easy)}`);
  }
  console.log(`\n${beforeAfterTable(r)}`);
  return 0;
}

const usage = "usage: npx tsx scripts/run-experiment.ts <config.yaml> [--seed N] [--out DIR] [--set k=v]";
runCommand("run-experiment", main, usage).then((code) => {
  process.exitCode = code;
});

/**
 * The quickstart, end to end: base eval → GRPO → eval on the embedded tiny model; prints the before/after
 * pass@1 table and writes reports/quickstart/ (metrics.jsonl, completions.jsonl, checkpoints, eval-*.jsonl,
 * summary.json).
 *
 *   npx tsx scripts/quickstart.ts [--config configs/quickstart.yaml] [--model data/models/tiny-r1]
 *                                 [--seed N] [--out DIR] [--set key=value ...]
 */
import { initBackend } from "../src/backend/select";
import { numberFlag, parseFlags, runCommand, UsageError } from "../src/cli/errors";
import { parseOverrides } from "../src/grpo/config-resolve";
import { loadQuickstartConfig } from "../src/quickstart/config";
import { beforeAfterTable, runQuickstart } from "../src/quickstart/run";
import { TINY_MODEL_DIR } from "../src/tiny/recipe";
import { shutdownVerifier } from "../src/verify/index";

/** Parse flags (node's parseArgs); `--set` may repeat. Errors are usage errors naming the flag. */
export function parseQuickstartArgs(argv: string[]): {
  config: string;
  model: string;
  overrides: Record<string, unknown>;
} {
  const flags = parseFlags(argv, {
    config: { type: "string" },
    model: { type: "string" },
    seed: { type: "string" },
    out: { type: "string" },
    set: { type: "string", multiple: true },
  } as const);
  const overrides: Record<string, unknown> = {};
  try {
    Object.assign(overrides, parseOverrides(flags.set ?? []));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const seed = numberFlag("seed", flags.seed, { integer: true, min: 0 });
  if (seed !== undefined) overrides.seed = seed;
  if (flags.out !== undefined) overrides.output_dir = flags.out;
  return {
    config: flags.config ?? "configs/quickstart.yaml",
    model: flags.model ?? TINY_MODEL_DIR,
    overrides,
  };
}

async function main(): Promise<number> {
  const args = parseQuickstartArgs(process.argv.slice(2));
  const backend = await initBackend();
  const cfg = loadQuickstartConfig(args.config, args.overrides);
  for (const w of cfg.warnings) console.warn(w);
  console.log(
    `backend ${backend.chosen} · config ${args.config} · seed ${cfg.grpo.seed} · out ${cfg.grpo.output_dir}`,
  );
  // the verifier pool's workers would keep the process alive after the run
  const r = await runQuickstart({ modelDir: args.model, config: cfg }).finally(() => shutdownVerifier());
  console.log(`\n${beforeAfterTable(r)}\n`);
  console.log(
    `GRPO: ${r.metrics.length} steps in ${r.trainSeconds.toFixed(0)} s; total ${r.totalSeconds.toFixed(0)} s`,
  );
  const fmt = r.metrics.map((m) => m["rewards/format_reward"] as number);
  const k = Math.min(5, fmt.length);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(
    `format reward: first ${k} steps ${mean(fmt.slice(0, k)).toFixed(3)} → last ${k} steps ${mean(fmt.slice(-k)).toFixed(3)}`,
  );
  return 0;
}

if (require.main === module) {
  const usage =
    "usage: npx tsx scripts/quickstart.ts [--config F] [--model DIR] [--seed N] [--out DIR] [--set k=v]";
  runCommand("quickstart", main, usage).then((code) => {
    process.exitCode = code;
  });
}

/**
 * The quickstart, end to end: base eval → GRPO → eval on the embedded tiny model; prints the before/after
 * pass@1 table and writes reports/quickstart/ (metrics.jsonl, completions.jsonl, checkpoints, eval-*.jsonl,
 * summary.json).
 *
 *   npx tsx scripts/quickstart.ts [--config configs/quickstart.yaml] [--model data/models/tiny-r1]
 *                                 [--seed N] [--out DIR] [--set key=value ...]
 */
import { initBackend } from "../src/backend/select";
import { parseOverrides } from "../src/grpo/config-resolve";
import { loadQuickstartConfig } from "../src/quickstart/config";
import { TINY_MODEL_DIR } from "../src/quickstart/recipe";
import { beforeAfterTable, runQuickstart } from "../src/quickstart/run";
import { shutdownVerifier } from "../src/verify/index";

/** Parse flags; `--set` may repeat. */
export function parseQuickstartArgs(argv: readonly string[]): {
  config: string;
  model: string;
  overrides: Record<string, unknown>;
} {
  const out = {
    config: "configs/quickstart.yaml",
    model: TINY_MODEL_DIR,
    overrides: {} as Record<string, unknown>,
  };
  const sets: string[] = [];
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`quickstart: flag ${flag} needs a value`);
    if (flag === "--config") out.config = value;
    else if (flag === "--model") out.model = value;
    else if (flag === "--seed") out.overrides.seed = Number(value);
    else if (flag === "--out") out.overrides.output_dir = value;
    else if (flag === "--set") sets.push(value);
    else throw new Error(`quickstart: unknown flag ${flag}; valid: --config, --model, --seed, --out, --set`);
  }
  Object.assign(out.overrides, parseOverrides(sets));
  return out;
}

async function main(): Promise<void> {
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
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

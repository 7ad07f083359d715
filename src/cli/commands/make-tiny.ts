/**
 * `open-rs make-tiny [--out DIR] [--steps N] [--eval-n N] [--eval-problems N] [--log-dir DIR]`: rebuilds the
 * embedded model deterministically (tokenizer → SFT → HF directory → held-out pass@1 → model card).
 * `npm run make:tiny` runs this with the defaults.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { initBackend } from "../../backend/select";
import { makeTiny } from "../../tiny/build";
import { modelCard } from "../../tiny/card";
import { TINY_MODEL_DIR, TINY_SFT } from "../../tiny/recipe";
import { numberFlag, parseFlags, runCommand } from "../errors";

/** One line for the usage listing. */
export const summary = "rebuild the embedded tiny-r1 model (tokenizer, SFT, model card) deterministically";

const HELP = `Usage: open-rs make-tiny [options]

  --out DIR            model directory to write (default ${TINY_MODEL_DIR})
  --steps N            SFT steps (default ${TINY_SFT.max_steps})
  --eval-n N           samples per held-out problem for the card (default 8)
  --eval-problems N    held-out problems per level for the card (default 100)
  --log-dir DIR        SFT logs (default reports/make-tiny)`;

const OPTIONS = {
  out: { type: "string" },
  steps: { type: "string" },
  "eval-n": { type: "string" },
  "eval-problems": { type: "string" },
  "log-dir": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Run `open-rs make-tiny`; `invokedAs` is the command line the model card records. */
export function run(argv: string[], invokedAs = "npx open-rs make-tiny"): Promise<number> {
  return runCommand("make-tiny", () => makeTinyMain(argv, invokedAs));
}

async function makeTinyMain(argv: string[], invokedAs: string): Promise<number> {
  const flags = parseFlags(argv, OPTIONS);
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const outDir = flags.out ?? TINY_MODEL_DIR;
  const steps = numberFlag("steps", flags.steps, { integer: true, min: 1 }) ?? (TINY_SFT.max_steps as number);
  const evalN = numberFlag("eval-n", flags["eval-n"], { integer: true, min: 1 }) ?? 8;
  const problems = numberFlag("eval-problems", flags["eval-problems"], { integer: true, min: 1 }) ?? 100;
  const backend = await initBackend();
  const r = await makeTiny({
    outDir,
    sft: { max_steps: steps, output_dir: flags["log-dir"] ?? "reports/make-tiny" },
    evalN,
    evalProblems: { hard: problems, easy: problems },
  });
  const command = `${invokedAs}${argv.length ? ` ${argv.join(" ")}` : ""}`;
  const machine = `${cpus().length} shared vCPUs, Node ${process.version}, tfjs backend ${backend.chosen}`;
  writeFileSync(join(outDir, "README.md"), modelCard(r, { steps, command, machine }));
  const p = (x?: { score: { avg: number; stderr: number } }) =>
    x ? `${(100 * x.score.avg).toFixed(1)} ± ${(100 * x.score.stderr).toFixed(1)}` : "-";
  console.log(
    `tiny-r1: ${r.params} params, ${r.bytes} bytes in ${outDir}; Hard ${p(r.hard)}, Easy ${p(r.easy)}; ${r.seconds.total.toFixed(0)} s`,
  );
  return 0;
}

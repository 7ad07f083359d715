/**
 * Rebuild data/models/tiny-r1 deterministically (tokenizer → SFT → HF model dir → held-out pass@1 → README.md).
 *
 *   npm run make:tiny            # = npx tsx scripts/make-tiny.ts
 *   npx tsx scripts/make-tiny.ts [--out data/models/tiny-r1] [--steps N] [--eval-n 8] [--log-dir reports/make-tiny]
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { initBackend } from "../src/backend/select";
import { modelCard } from "../src/quickstart/card";
import { makeTiny } from "../src/quickstart/make-tiny";
import { TINY_MODEL_DIR, TINY_SFT } from "../src/quickstart/recipe";

const FLAGS = ["--out", "--steps", "--eval-n", "--log-dir"];

function parseArgs(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!FLAGS.includes(argv[i]) || argv[i + 1] === undefined) {
      throw new Error(
        `make-tiny: bad argument '${argv[i]}'; valid flags: ${FLAGS.join(", ")} (each with a value)`,
      );
    }
    out[argv[i].slice(2)] = argv[i + 1];
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const outDir = args.out ?? TINY_MODEL_DIR;
  const steps = Number(args.steps ?? TINY_SFT.max_steps);
  const backend = await initBackend();
  const r = await makeTiny({
    outDir,
    sft: { max_steps: steps, output_dir: args["log-dir"] ?? "reports/make-tiny" },
    evalN: Number(args["eval-n"] ?? 8),
  });
  const command = `npx tsx scripts/make-tiny.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(" ")}` : ""}`;
  const machine = `${cpus().length} shared vCPUs, Node ${process.version}, tfjs backend ${backend.chosen}`;
  writeFileSync(join(outDir, "README.md"), modelCard(r, { steps, command, machine }));
  const p = (x?: { score: { avg: number; stderr: number } }) =>
    x ? `${(100 * x.score.avg).toFixed(1)} ± ${(100 * x.score.stderr).toFixed(1)}` : "-";
  console.log(
    `tiny-r1: ${r.params} params, ${r.bytes} bytes; Hard ${p(r.hard)}, Easy ${p(r.easy)}; ${r.seconds.total.toFixed(0)} s`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

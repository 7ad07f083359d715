/**
 * Verifier throughput on MATH-500 (`npm run bench:verify`, or `npx tsx bench/verify.ts`). Prints pairs per
 * second, warm (worker pool started and compute-engine loaded before timing), for:
 *   1. gold-vs-gold: parse(solution) then verify(gold, gold), pair cache cleared before each round;
 *   2. solution-vs-answer: parse both, verify (more pairs reach the engine), cache cleared;
 *   3. gold-vs-gold again with the pair cache warm;
 *   4. engine-bound pairs (`(x+i)^2` vs its expansion), sequential and all in flight.
 * Reads ../shared/data (exits with a message when absent).
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import {
  clearVerifyCache,
  type ParseOptions,
  parse,
  shutdownVerifier,
  verifierStats,
  verify,
} from "../src/verify/index";

const FILE = path.resolve(__dirname, "..", "../shared/data/benchmarks/math500.jsonl");
const LATEX_GOLD: ParseOptions = { extraction: [{ kind: "latex" }] };
const ROUNDS = 3;

interface Row {
  solution: string;
  answer: string;
}

async function timed(label: string, rows: Row[], run: (r: Row) => Promise<boolean>, clear: boolean) {
  let best = 0;
  let ok = 0;
  for (let round = 0; round < ROUNDS; round++) {
    if (clear) clearVerifyCache();
    const t0 = performance.now();
    ok = 0;
    for (const r of rows) if (await run(r)) ok++;
    const perSec = rows.length / ((performance.now() - t0) / 1000);
    best = Math.max(best, perSec);
  }
  console.log(`${label.padEnd(44)} ${best.toFixed(0).padStart(7)} pairs/s   (${ok}/${rows.length} equal)`);
}

async function main(): Promise<void> {
  if (!existsSync(FILE)) {
    console.log(`bench/verify: ${FILE} is absent; nothing to measure.`);
    return;
  }
  const rows = readFileSync(FILE, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Row);
  // Warm-up: start the pool and load compute-engine in both threads.
  await verify(parse("$x^2+2x+1$"), parse("$(x+1)^2$"));
  for (const r of rows)
    await verify(parse(r.solution, LATEX_GOLD), parse(`\\boxed{${r.answer}}`, LATEX_GOLD));

  const goldVsGold = async (r: Row) => {
    const g = parse(r.solution, LATEX_GOLD);
    return verify(g, g);
  };
  const solVsAnswer = async (r: Row) =>
    verify(parse(r.solution, LATEX_GOLD), parse(`\\boxed{${r.answer}}`, LATEX_GOLD), { precision: 5 });
  await timed("MATH-500 gold-vs-gold (parse+verify, no cache)", rows, goldVsGold, true);
  await timed("MATH-500 solution-vs-answer (no cache)", rows, solVsAnswer, true);
  await timed("MATH-500 gold-vs-gold (pair cache warm)", rows, goldVsGold, false);
  // Engine-bound: every pair needs compute-engine in a worker (no string/number fast path applies).
  const engineRows = rows.map((_, i) => ({ solution: `(x+${i})^2`, answer: `x^2+${2 * i}x+${i * i}` }));
  const engineBound = async (r: Row) =>
    verify([{ latex: r.solution, raw: "" }], [{ latex: r.answer, raw: "" }]);
  await timed("engine-bound (x+i)^2 vs expanded, sequential", engineRows, engineBound, true);
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    clearVerifyCache();
    const t0 = performance.now();
    await Promise.all(engineRows.map(engineBound));
    best = Math.max(best, engineRows.length / ((performance.now() - t0) / 1000));
  }
  console.log(
    `${"engine-bound, all 500 in flight (pool of 2)".padEnd(44)} ${best.toFixed(0).padStart(7)} pairs/s`,
  );
  console.log("engine stats:", JSON.stringify(verifierStats()));
  await shutdownVerifier();
}

void main();

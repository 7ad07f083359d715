/**
 * Verifier start-up and throughput (`npm run bench:verify`, or `npx tsx bench/verify.ts`). First, cold start in
 * fresh processes: the first engine-bound check after importing the public API (src/index.ts: the verifier
 * warms its worker pool during the rest of that import) and after importing src/verify alone (nothing to
 * overlap with), median of 3. Then pairs per second on MATH-500, warm (worker pool started and compute-engine
 * loaded before timing), for:
 *   1. gold-vs-gold: parse(solution) then verify(gold, gold), pair cache cleared before each round;
 *   2. solution-vs-answer: parse both, verify (more pairs reach the engine), cache cleared;
 *   3. gold-vs-gold again with the pair cache warm;
 *   4. engine-bound pairs (`(x+i)^2` vs its expansion), sequential and all in flight.
 * Reads ../shared/data (exits with a message when absent).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
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

/** Child process: import, then one engine-bound check; prints the two timings as JSON. */
async function coldChild(what: string): Promise<void> {
  const t0 = performance.now();
  const api: { verify: typeof verify } =
    what === "api" ? await import("../src/index") : await import("../src/verify/index");
  const t1 = performance.now();
  const ok = await api.verify([{ latex: "(x+7)^2", raw: "" }], [{ latex: "x^2+14x+49", raw: "" }]);
  const t2 = performance.now();
  console.log(JSON.stringify({ importMs: t1 - t0, firstCheckMs: t2 - t1, ok }));
  process.exit(0);
}

function coldStart(): void {
  for (const [what, label] of [
    ["api", "import src/index.ts, then first check"],
    ["verify", "import src/verify alone, then first check"],
  ] as const) {
    const runs: Array<{ importMs: number; firstCheckMs: number; ok: boolean }> = [];
    for (let i = 0; i < 3; i++) {
      const r = spawnSync(process.execPath, [...process.execArgv, __filename, "--cold", what], {
        encoding: "utf8",
      });
      const line = r.stdout.trim().split("\n").pop() ?? "";
      runs.push(JSON.parse(line));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const imp = median(runs.map((r) => r.importMs));
    const first = median(runs.map((r) => r.firstCheckMs));
    const ok = runs.every((r) => r.ok);
    console.log(
      `cold start: ${label.padEnd(42)} import ${imp.toFixed(0).padStart(5)} ms   first engine-bound check ${first.toFixed(0).padStart(5)} ms (median of 3${ok ? "" : ", WRONG VERDICT"})`,
    );
  }
}

async function main(): Promise<void> {
  // `--cold api|verify` is the child process of coldStart()
  const { cold } = parseArgs({ options: { cold: { type: "string" } }, strict: true }).values;
  if (cold !== undefined) return coldChild(cold);
  coldStart();
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

/**
 * Eval throughput of the tiny random Qwen2 (tiny-r1 tokenizer) for each runner, greedy, on synthetic held-out
 * problems. Not a test (timings never are): `npx tsx tests/eval/helpers/throughput.ts [problems] [maxNewTokens]`.
 */
import { rmSync } from "node:fs";
import { makeSplits } from "../../../src/data/synthetic/index";
import { benchmarkFromRows } from "../../../src/eval/benchmarks";
import { evaluate } from "../../../src/eval/evaluate";
import { HttpRunner } from "../../../src/eval/http-runner";
import { InProcessRunner } from "../../../src/eval/inprocess-runner";
import { loadLocalEngine } from "../../../src/eval/local-model";
import { resolveProtocol } from "../../../src/eval/protocol";
import type { Runner } from "../../../src/eval/runner";
import { createServer } from "../../../src/eval/server";
import { shutdownVerifier } from "../../../src/verify/index";
import { writeTinyModelDir } from "./tiny-model";

async function main() {
  const problems = Number(process.argv[2] ?? 32);
  const maxNewTokens = Number(process.argv[3] ?? 32);
  const dir = await writeTinyModelDir();
  const engine = await loadLocalEngine(dir, { label: "tiny", microBatch: 8 });
  const { heldoutEasy, heldoutHard } = makeSplits({
    heldoutHardSize: problems / 2,
    heldoutEasySize: problems / 2,
    trainSize: 1,
  });
  const bench = benchmarkFromRows("synth", [...heldoutEasy, ...heldoutHard]);
  const protocol = resolveProtocol("avg", { n: 1, temperature: 0, maxNewTokens });
  const srv = createServer(engine, { maxBatch: 8, batchWindowMs: 5 });
  const url = await srv.listen(0);
  const runners: Array<[string, Runner]> = [
    ["in-process (batch 8)", new InProcessRunner(engine, { batchSize: 8 })],
    [
      "http completions (concurrency 8, same process)",
      new HttpRunner({
        baseUrls: [url],
        model: "tiny",
        api: "completions",
        tokenizer: engine.tokenizer,
        concurrency: 8,
      }),
    ],
    [
      "http chat (concurrency 8, same process)",
      new HttpRunner({ baseUrls: [url], model: "tiny", api: "chat", concurrency: 8 }),
    ],
  ];
  await evaluate({
    benchmarks: [{ name: "warm", problems: bench.problems.slice(0, 2) }],
    protocol,
    runner: runners[0][1],
    modelLabel: "tiny",
  });
  for (let round = 1; round <= 2; round++)
    for (const [name, runner] of runners) {
      const t0 = performance.now();
      const run = await evaluate({ benchmarks: [bench], protocol, runner, modelLabel: "tiny" });
      const s = (performance.now() - t0) / 1000;
      const toks = run.benchmarks[0].records.reduce((a, r) => a + (r.completionTokens ?? 0), 0);
      console.log(
        `round ${round} · ${name}: ${problems} samples × ≤${maxNewTokens} tokens in ${s.toFixed(2)} s → ${(problems / s).toFixed(2)} samples/s, ${(toks / s).toFixed(0)} tokens/s`,
      );
    }
  await srv.close();
  await shutdownVerifier();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { evaluate } from "../../src/eval/evaluate";
import { HttpRunner } from "../../src/eval/http-runner";
import { resolveProtocol } from "../../src/eval/protocol";
import { ResultsFile } from "../../src/eval/results";
import { createServer } from "../../src/eval/server";
import { boxedScorer, digitBenchmark, FakeEngine } from "./helpers/fake-engine";

const dir = mkdtempSync(path.join(os.tmpdir(), "eval-kill-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const finishedLines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.endsWith("}")).length
    : 0;

describe("resume after a kill mid-eval", () => {
  it("SIGKILL a child eval process, then resume: no finished sample is drawn again", {
    timeout: 60_000,
  }, async () => {
    const engine = new FakeEngine("fake-model", 100); // 100 ms per generate call: the child is killed midway
    const srv = createServer(engine, { batchWindowMs: 1 });
    const url = await srv.listen(0);
    const file = path.join(dir, "results.jsonl");
    const problems = 20; // × n = 2 → 40 samples
    try {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", path.join(__dirname, "helpers/eval-child.ts"), url, file, String(problems)],
        {
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      const t0 = Date.now();
      while (finishedLines(file) < 8) {
        if (Date.now() - t0 > 45_000) throw new Error("child eval made no progress");
        await new Promise((r) => setTimeout(r, 10));
      }
      child.kill("SIGKILL");
      await exited;
      const finished = new ResultsFile(file).load().size;
      assert.ok(finished >= 8 && finished < 40, `killed midway, ${finished} finished`);

      // The killed child's last requests may still be in the server's queue: let them drain before counting.
      let seqBefore = -1;
      while (seqBefore !== srv.stats.sequences) {
        seqBefore = srv.stats.sequences;
        await new Promise((r) => setTimeout(r, 400)); // > 3 generate calls of the fake engine
      }
      const runner = new HttpRunner({ baseUrls: [url], model: "fake-model", concurrency: 2 });
      const results = new ResultsFile(file);
      const run = await evaluate({
        benchmarks: [digitBenchmark("toy", problems)],
        protocol: resolveProtocol("avg", { n: 2, temperature: 0, maxNewTokens: 64 }),
        runner,
        modelLabel: "fake-model",
        results,
        scorer: boxedScorer,
      });
      assert.equal(runner.attempts, 40 - finished, "resume requested exactly the unfinished samples");
      assert.equal(srv.stats.sequences - seqBefore, 40 - finished);
      assert.equal(run.benchmarks[0].reused, finished);
      assert.equal(results.load().size, 40);
    } finally {
      await srv.close();
    }
  });
});

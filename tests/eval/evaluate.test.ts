import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { encodeChat } from "../../src/eval/engine";
import { evaluate } from "../../src/eval/evaluate";
import { InProcessRunner } from "../../src/eval/inprocess-runner";
import { mathMessages, resolveProtocol } from "../../src/eval/protocol";
import { paperComparison, scoreMarkdown, scoreRows, scoreTable } from "../../src/eval/report";
import { ResultsFile } from "../../src/eval/results";
import { boxedScorer, digitBenchmark, FakeEngine } from "./helpers/fake-engine";

const dir = mkdtempSync(path.join(os.tmpdir(), "eval-run-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const greedy = resolveProtocol("avg", { n: 2, temperature: 0, maxNewTokens: 64 });

function lines(file: string): string[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.length > 0);
}

describe("evaluate (in-process runner, fake engine)", () => {
  it("scores every sample, appends one line each, and matches a hand tally", async () => {
    const engine = new FakeEngine();
    const bench = digitBenchmark("toy", 6);
    const file = path.join(dir, "a.jsonl");
    const run = await evaluate({
      benchmarks: [bench],
      protocol: greedy,
      runner: new InProcessRunner(engine, { batchSize: 4 }),
      modelLabel: "fake",
      results: new ResultsFile(file),
      scorer: boxedScorer,
    });
    assert.equal(lines(file).length, 12);
    assert.equal(engine.sequences, 12);
    assert.equal(engine.calls, 3, "12 samples in batches of 4");
    // Hand tally: greedy → both samples of a problem agree; correct iff the fake's digit equals the gold.
    let correct = 0;
    for (const p of bench.problems) {
      const ids = encodeChat(engine.tokenizer, mathMessages(p.problem));
      const text = FakeEngine.answerFor(ids, { temperature: 0, topP: 1, maxNewTokens: 64 }, 0);
      if (text.includes(`\\boxed{${p.gold}}`)) correct++;
    }
    assert.equal(run.benchmarks[0].score.avg, correct / 6);
    assert.equal(run.benchmarks[0].generated, 12);
  });

  it("resumes: a rerun draws nothing, a larger n draws only the new indices, a new protocol redraws all", async () => {
    const engine = new FakeEngine();
    const bench = digitBenchmark("toy", 5);
    const results = new ResultsFile(path.join(dir, "b.jsonl"));
    const go = (protocol = greedy) =>
      evaluate({
        benchmarks: [bench],
        protocol,
        runner: new InProcessRunner(engine),
        modelLabel: "fake",
        results,
        scorer: boxedScorer,
      });
    const first = await go();
    const again = await go();
    assert.equal(engine.sequences, 10);
    assert.equal(again.benchmarks[0].reused, 10);
    assert.deepEqual(again.benchmarks[0].score, first.benchmarks[0].score);
    await go({ ...greedy, n: 3 });
    assert.equal(engine.sequences, 15, "only sample index 2 of each problem is new");
    await go({ ...greedy, temperature: 0.6 });
    assert.equal(engine.sequences, 25, "a new temperature is a new protocol hash");
  });

  it("an aborted eval resumes without redoing finished samples; a torn last line is skipped", async () => {
    const engine = new FakeEngine();
    const bench = digitBenchmark("toy", 8);
    const file = path.join(dir, "c.jsonl");
    const results = new ResultsFile(file);
    const ac = new AbortController();
    await assert.rejects(
      evaluate({
        benchmarks: [bench],
        protocol: greedy,
        runner: new InProcessRunner(engine, { batchSize: 2 }),
        modelLabel: "fake",
        results,
        scorer: boxedScorer,
        onSample: () => {
          if (lines(file).length >= 6) ac.abort();
        },
        signal: ac.signal,
      }),
      /samples not drawn/,
    );
    const finished = lines(file).length;
    assert.equal(finished, 6);
    writeFileSync(file, `${readFileSync(file, "utf8")}{"benchmark":"toy","probl`); // a kill mid-write
    const before = engine.sequences;
    const run = await evaluate({
      benchmarks: [bench],
      protocol: greedy,
      runner: new InProcessRunner(engine, { batchSize: 2 }),
      modelLabel: "fake",
      results,
      scorer: boxedScorer,
    });
    assert.equal(results.skippedLines, 1);
    assert.equal(engine.sequences - before, 16 - finished);
    const keys = new Set(run.benchmarks[0].records.map((r) => `${r.problemId}/${r.sampleIndex}`));
    assert.equal(keys.size, 16);
    assert.equal(results.load().size, 16);
  });
});

describe("report", () => {
  it("builds per-benchmark and Average rows, markdown/HTML, and the paper comparison block", async () => {
    const engine = new FakeEngine();
    const runs = [];
    for (const protocol of [
      resolveProtocol("paper", { maxNewTokens: 64 }),
      resolveProtocol("avg", { n: 4, maxNewTokens: 64 }),
    ]) {
      runs.push(
        await evaluate({
          benchmarks: [digitBenchmark("aime24", 5), digitBenchmark("math500", 5)],
          protocol,
          runner: new InProcessRunner(engine),
          modelLabel: "fake",
          scorer: boxedScorer,
        }),
      );
    }
    const rows = scoreRows(runs);
    assert.deepEqual(
      rows.map((r) => [r.protocol.split(" ")[0], r.benchmark, r.n]),
      [
        ["paper", "aime24", 1],
        ["paper", "math500", 1],
        ["paper", "Average", 1],
        ["avg", "aime24", 4],
        ["avg", "math500", 4],
        ["avg", "Average", 4],
      ],
    );
    const avg = rows[5]["pass@1"] as number;
    assert.ok(Math.abs(avg - ((rows[3]["pass@1"] as number) + (rows[4]["pass@1"] as number)) / 2) <= 0.051);
    assert.ok("pass@4" in rows[3] && "pass@2" in rows[3]);
    assert.equal(scoreTable(runs).numRows(), 6);
    assert.match(scoreMarkdown(runs), /\|model\|protocol\|benchmark\|/);
    const cmp = paperComparison(runs);
    assert.match(
      cmp,
      /Open-RS3 \(Exp3 step 50\), as reported \| 46\.7 \| 84\.4 \| 72\.5 \| 26\.8 \| 51\.3 \| 56\.3/,
    );
    assert.match(cmp, /avg@16/);
    assert.match(cmp, /fake \(this run\) \| \d/);
  });
});

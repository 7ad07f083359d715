import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parquetWriteBuffer } from "hyparquet-writer";
import { loadBenchmark } from "../../src/eval/benchmark-source";
import {
  BENCHMARKS,
  benchmarkFromRows,
  DEFAULT_BENCHMARK_DIR,
  limitBenchmark,
} from "../../src/eval/benchmarks";
import { FakeHub } from "../hub/fake-hub";

const haveData = existsSync(DEFAULT_BENCHMARK_DIR);

describe("benchmark field mapping", () => {
  it("reads gold from solution (LaTeX) for MATH-500 and Minerva, from answer otherwise (§1.7)", () => {
    assert.deepEqual(
      Object.values(BENCHMARKS).map((b) => [b.name, b.goldField, b.goldKind, b.size]),
      [
        ["aime24", "answer", "expr", 30],
        ["math500", "solution", "latex", 500],
        ["amc23", "answer", "expr", 40],
        ["minerva", "solution", "latex", 272],
        ["olympiadbench", "answer", "latex", 675],
      ],
    );
  });

  it("maps rows, accepts hub column names and numeric values, rejects missing gold and duplicate ids", () => {
    const b = benchmarkFromRows("x", [
      { id: 7 as unknown as string, question: "Q?", answer: 27.0 as unknown as string } as never,
      { unique_id: "u", problem: "P", answer: "3", solution: "so \\boxed{3}" },
    ]);
    assert.deepEqual(b.problems[0], { id: "7", problem: "Q?", gold: "27", goldKind: "expr", answer: "27" });
    assert.equal(b.problems[1].id, "u");
    const s = benchmarkFromRows("y", [{ problem: "P", answer: "3", solution: "so \\boxed{3}" }], {
      goldField: "solution",
      goldKind: "latex",
    });
    assert.equal(s.problems[0].gold, "so \\boxed{3}");
    assert.equal(s.problems[0].id, "0");
    assert.throws(() => benchmarkFromRows("z", [{ problem: "P", answer: "" }]), /gold field "answer"/);
    assert.throws(
      () =>
        benchmarkFromRows("z", [
          { id: "a", problem: "P", answer: "1" },
          { id: "a", problem: "Q", answer: "2" },
        ]),
      /duplicate problem id "a"/,
    );
    assert.equal(limitBenchmark(s, 1).problems.length, 1);
  });
});

describe("local benchmarks (../shared/data)", { skip: !haveData && "../shared/data is absent" }, () => {
  it("loads all five with the paper's sizes", async () => {
    for (const spec of Object.values(BENCHMARKS)) {
      const b = await loadBenchmark(spec.name, { source: "local" });
      assert.equal(b.problems.length, spec.size, spec.name);
      assert.ok(b.problems.every((p) => p.goldKind === spec.goldKind));
    }
    const m = await loadBenchmark("math500", { source: "local" });
    assert.match(m.problems[0].gold, /\\boxed/, "MATH-500 gold is the worked solution");
    assert.equal(m.problems[0].id, "test/precalculus/807.json");
  });
});

describe("hub benchmarks (loopback fake hub) and offline errors", () => {
  let hub: FakeHub;
  let cache: string;
  const emptyDir = mkdtempSync(path.join(os.tmpdir(), "no-bench-"));
  before(async () => {
    hub = await new FakeHub().start();
    cache = mkdtempSync(path.join(os.tmpdir(), "bench-cache-"));
    const math = [
      { problem: "1+1?", solution: "It is $\\boxed{2}$.", answer: "2", unique_id: "test/a/1.json" },
      { problem: "2+2?", solution: "It is $\\boxed{4}$.", answer: "4", unique_id: "test/a/2.json" },
    ];
    hub.add({
      repo: "HuggingFaceH4/MATH-500",
      revision: "main",
      path: "test.jsonl",
      body: Buffer.from(`${math.map((r) => JSON.stringify(r)).join("\n")}\n`),
      lfs: false,
    });
    const pq = parquetWriteBuffer({
      columnData: [
        { name: "problem", data: ["a?", "b?"], type: "STRING" },
        { name: "answer", data: [27.0, 36.0], type: "DOUBLE" },
      ],
    });
    hub.add({
      repo: "knoveleng/AMC-23",
      revision: "refs/convert/parquet",
      path: "default/train/0000.parquet",
      body: Buffer.from(pq),
      lfs: true,
    });
  });
  after(async () => {
    await hub.stop();
    rmSync(cache, { recursive: true, force: true });
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it("downloads MATH-500 (JSONL) and AMC23 (Parquet, float answers) into the cache, then works offline", async () => {
    const opts = { source: "hub" as const, hub: { endpoint: hub.endpoint, cacheDir: cache } };
    const m = await loadBenchmark("math500", opts);
    assert.deepEqual(
      m.problems.map((p) => [p.id, p.gold, p.goldKind]),
      [
        ["test/a/1.json", "It is $\\boxed{2}$.", "latex"],
        ["test/a/2.json", "It is $\\boxed{4}$.", "latex"],
      ],
    );
    const a = await loadBenchmark("amc23", opts);
    assert.deepEqual(
      a.problems.map((p) => p.gold),
      ["27", "36"],
    );
    const requests = hub.log.length;
    const again = await loadBenchmark("amc23", {
      source: "hub",
      hub: { endpoint: hub.endpoint, cacheDir: cache, offline: true },
    });
    assert.equal(again.problems.length, 2);
    assert.equal(hub.log.length, requests, "offline load touched the network");
  });

  it("offline with no local file and no cache: a clear error saying how to get the data", async () => {
    await assert.rejects(
      loadBenchmark("aime24", { dataDir: emptyDir, hub: { cacheDir: emptyDir, offline: true } }),
      (e: Error) => {
        assert.match(e.message, /benchmark aime24: no local file at/);
        assert.match(e.message, /HuggingFaceH4\/aime_2024/);
        assert.match(e.message, /--data-dir/);
        assert.match(e.message, /--source hub/);
        return true;
      },
    );
  });

  it("loads any JSONL of MathRows as a benchmark (synthetic held-out sets) and rejects unknown names", async () => {
    const f = path.join(emptyDir, "held-out.jsonl");
    writeFileSync(f, `${JSON.stringify({ id: "s1", problem: "3*4?", answer: "12" })}\n`);
    const b = await loadBenchmark(f);
    assert.equal(b.name, "held-out");
    assert.equal(b.problems[0].gold, "12");
    await assert.rejects(loadBenchmark("gsm8k"), /unknown benchmark "gsm8k"; valid: aime24/);
  });
});

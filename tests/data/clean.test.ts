import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { decontaminate, ngrams, words } from "../../src/data/decontam";
import { dedupe, findDuplicates } from "../../src/data/dedup";
import { filterByDifficulty } from "../../src/data/difficulty";
import type { LoadOptions } from "../../src/data/loader";
import {
  BENCHMARK_NAMES,
  type BenchmarkName,
  loadBenchmark,
  loadOpenRs,
  sharedDataFile,
} from "../../src/data/open-rs";
import type { MathRow } from "../../src/data/schema";
import { answerType, countsBySourceLevel, lengthHistogram, summarizeLengths } from "../../src/data/stats";
import type { RewardFn } from "../../src/rewards/types";

/** All five benchmarks, keyed by name. */
async function loadBenchmarks(opts: LoadOptions = {}): Promise<Record<BenchmarkName, MathRow[]>> {
  const out = {} as Record<BenchmarkName, MathRow[]>;
  for (const n of BENCHMARK_NAMES) out[n] = await loadBenchmark(n, opts);
  return out;
}

const row = (id: string, problem: string, answer: string, extra: Partial<MathRow> = {}): MathRow => ({
  id,
  problem,
  answer,
  ...extra,
});

describe("dedup", () => {
  const rows = [
    row("a", "Find x.", "1"),
    row("b", "find  X.", "1"), // same after whitespace/case normalisation
    row("c", "Find x.", "1 "), // exact copy of a; answer differs only by whitespace
    row("d", "Compute y.", "2"),
    row("e", "compute y.", "3"), // conflicting answer
    row("f", "Unique.", "4"),
  ];

  test("exact vs normalised groups, extra copies and conflicts", () => {
    const exact = findDuplicates(rows, "exact");
    assert.deepEqual([exact.duplicatedProblems, exact.extraCopies, exact.conflicts], [1, 1, 1]); // "1" vs "1 " raw
    const norm = findDuplicates(rows, "normalized");
    assert.deepEqual([norm.duplicatedProblems, norm.extraCopies, norm.conflicts], [2, 3, 1]);
    assert.deepEqual(norm.groups.find((g) => g.conflicting)?.ids, ["d", "e"]);
  });

  test("policies", () => {
    const ids = (p: "keep-first" | "drop-conflicting" | "keep-all") =>
      dedupe(rows, { policy: p }).rows.map((r) => r.id);
    assert.deepEqual(ids("keep-first"), ["a", "d", "f"]);
    assert.deepEqual(ids("drop-conflicting"), ["a", "f"]);
    assert.deepEqual(ids("keep-all"), ["a", "b", "c", "d", "e", "f"]);
  });
});

describe("decontamination", () => {
  const bench = {
    toy: [
      row(
        "t1",
        "Let $f(x) = x^2 + 3x + 2$. Find the sum of all real roots of the equation $f(x) = 0$ please.",
        "-3",
      ),
      row("t2", "What is 1+1?", "2"),
    ],
  };

  test("word n-grams", () => {
    assert.deepEqual(words("Let $f(x)=x^2$."), ["let", "f", "x", "x", "2"]);
    assert.deepEqual([...ngrams(["a", "b", "c"], 2)], ["a b", "b c"]);
  });

  test("exact (normalised) and n-gram matches are reported with the benchmark item", () => {
    const train = [
      row("r1", "what  is 1+1?", "2"), // exact after normalisation
      row(
        "r2",
        "Let f(x) = x^2 + 3x + 2. Find the sum of all real roots of the equation f(x) = 0 please!",
        "-3",
      ),
      row("r3", "Let $g(x) = x^3$. Find the product of all real roots.", "0"), // unrelated
    ];
    const res = decontaminate(train, bench, { n: 8 });
    assert.deepEqual(
      res.hits.map((h) => [h.rowId, h.benchmarkId, h.kind, h.overlap, h.sameAnswer]),
      [
        ["r1", "t2", "exact", 1, true],
        ["r2", "t1", "ngram", 1, true],
      ],
    );
    assert.deepEqual(
      res.clean.map((r) => r.id),
      ["r3"],
    );
  });

  const present =
    sharedDataFile("train/open_rs.jsonl") !== null && sharedDataFile("benchmarks/math500.jsonl") !== null;
  test("finds the 6 MATH-500 problems planted in open_rs", {
    skip: !present && "../shared/data absent",
  }, async () => {
    const { rows } = await loadOpenRs();
    const res = decontaminate(rows, await loadBenchmarks());
    const exactMath = res.hits
      .filter((h) => h.benchmark === "math500" && h.kind === "exact")
      .map((h) => h.benchmarkId);
    const planted = ["966", "1544", "1849", "158"].map((n) => `test/intermediate_algebra/${n}.json`);
    planted.push("test/counting_and_probability/525.json", "test/algebra/2517.json");
    assert.deepEqual([...exactMath].sort(), [...planted].sort());
    // duplicates, computed here rather than copied: the README reports 172 groups and 29 conflicts
    const d = findDuplicates(rows, "normalized");
    assert.deepEqual([d.duplicatedProblems, d.conflicts, d.extraCopies], [172, 29, 181]);
  });
});

describe("filterByDifficulty with a fake sampler", () => {
  // the fake model solves problem i in exactly i of its k=4 tries (i = 0..4)
  const rows = [0, 1, 2, 3, 4].map((i) => row(`p${i}`, `problem ${i}`, "42", { solves: i }));
  let calls = 0;
  const sample = async (prompts: string[], k: number) => {
    calls++;
    return prompts.map((p) => {
      const i = Number(p.split(" ")[1]);
      return Array.from({ length: k }, (_, j) => (j < i ? "\\boxed{42}" : "\\boxed{7}"));
    });
  };
  const score: RewardFn = (completions, batch) =>
    completions.map((c, j) => (c.includes(`{${batch[j].answer}}`) ? 1 : 0));

  test("keeps the pass-rate range, caches per problem, and resumes from the cache", async () => {
    const cacheFile = path.join(mkdtempSync(path.join(os.tmpdir(), "difficulty-")), "cache.jsonl");
    const first = await filterByDifficulty(rows.slice(0, 3), {
      sample,
      score,
      k: 4,
      keepRange: [0, 0.5],
      cacheFile,
      batchSize: 2,
    });
    assert.deepEqual(
      first.results.map((r) => [r.id, r.passes, r.passRate, r.kept]),
      [
        ["p0", 0, 0, true],
        ["p1", 1, 0.25, true],
        ["p2", 2, 0.5, true],
      ],
    );
    assert.equal(calls, 2); // 3 problems, batches of 2
    calls = 0;
    const all = await filterByDifficulty(rows, { sample, score, k: 4, keepRange: [0, 0.25], cacheFile });
    assert.deepEqual(
      all.kept.map((r) => r.id),
      ["p0", "p1"],
    );
    assert.equal(all.sampled, 2); // only p3, p4 were new
    assert.deepEqual(
      all.results.map((r) => r.cached),
      [true, true, true, false, false],
    );
    assert.equal(readFileSync(cacheFile, "utf8").trim().split("\n").length, 5);
    const other = await filterByDifficulty(rows, { sample, score, k: 2, keepRange: [1, 1], cacheFile });
    assert.equal(other.sampled, 5); // a different k is a different experiment
    assert.deepEqual(
      other.kept.map((r) => r.id),
      ["p2", "p3", "p4"],
    );
  });
});

describe("statistics tables", () => {
  test("counts by source and level, answer types, length histogram", () => {
    const rows = [
      row("1", "p", "12", { source: "a", level: "Hard" }),
      row("2", "p", "\\frac{1}{2}", { source: "a", level: "Hard" }),
      row("3", "p", "(1, 2)", { source: "b", level: "Easy" }),
    ];
    assert.deepEqual(countsBySourceLevel(rows).objects(), [
      { source: "a", level: "Hard", count: 2 },
      { source: "b", level: "Easy", count: 1 },
    ]);
    assert.deepEqual(
      ["12", "-3.5", "\\frac{1}{2}", "3/4", "4.5e33", "(1, 2]", "True", "x^2+1", "Evelyn", "$1,000$"].map(
        answerType,
      ),
      [
        "integer",
        "decimal",
        "fraction",
        "fraction",
        "scientific",
        "tuple/interval",
        "boolean/choice",
        "latex expression",
        "text",
        "integer",
      ],
    );
    assert.deepEqual(lengthHistogram([1, 2, 70], 32).objects(), [
      { bin_start: 0, bin_end: 32, count: 2 },
      { bin_start: 32, bin_end: 64, count: 0 },
      { bin_start: 64, bin_end: 96, count: 1 },
    ]);
    assert.deepEqual(summarizeLengths([4, 1, 3, 2]), {
      count: 4,
      mean: 2.5,
      min: 1,
      p50: 2,
      p90: 4,
      p99: 4,
      max: 4,
    });
  });
});

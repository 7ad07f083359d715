import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { parquetWriteBuffer } from "hyparquet-writer";
import { getPath, lastBoxed, mapRecord, VERL_COLUMNS } from "../../src/data/columns";
import { DataLoadError, loadDataset } from "../../src/data/loader";
import { loadOpenRs, sharedDataFile } from "../../src/data/open-rs";
import { FakeHub } from "../hub/fake-hub";

const FIXTURE = path.resolve(__dirname, "../fixtures/data/bad.jsonl");
const tmp = mkdtempSync(path.join(os.tmpdir(), "dataload-"));

/** A verl-format parquet (as Co-rewarding's open-rs train.parquet), row 2 without a ground truth. */
function writeVerlParquet(file: string): void {
  const sys = { role: "system", content: "Think step by step." };
  const buf = parquetWriteBuffer({
    columnData: [
      { name: "data_source", data: ["x", "x", "x"], type: "STRING" },
      {
        name: "prompt",
        data: [
          [sys, { role: "user", content: "Find $x$ if $x+1=3$." }],
          [sys, { role: "user", content: "No gold here." }],
          [sys, { role: "user", content: "Compute $2^{10}$." }],
        ],
      },
      {
        name: "reward_model",
        data: [
          { ground_truth: "2", style: "rule" },
          { ground_truth: null, style: "rule" },
          { ground_truth: "1024", style: "rule" },
        ],
      },
      {
        name: "extra_info",
        data: [
          { index: 10n, level: "Hard" },
          { index: 11n, level: "Easy" },
          { index: 12n, level: "Easy" },
        ],
      },
      { name: "solution", data: ["x=2", "?", "\\boxed{1024}"], type: "STRING" },
    ],
  });
  writeFileSync(file, Buffer.from(buf));
}

describe("column paths", () => {
  const rec = {
    a: { b: [1, { c: "deep" }] },
    msgs: [
      { role: "system", content: "s" },
      { role: "user", content: "u" },
    ],
  };
  test("keys, indices, negative indices and selectors", () => {
    assert.equal(getPath(rec, "a.b[0]"), 1);
    assert.equal(getPath(rec, "a.b[-1].c"), "deep");
    assert.equal(getPath(rec, "msgs[role=user].content"), "u");
    assert.equal(getPath(rec, "msgs[role=tool].content"), undefined);
    assert.equal(getPath(rec, "nope.x"), undefined);
    assert.throws(() => getPath(rec, "a..b"), /malformed/);
  });
  test("lastBoxed balances braces and takes the last box", () => {
    assert.equal(lastBoxed("a \\boxed{1} then \\boxed{\\frac{1}{2}} end"), "\\frac{1}{2}");
    assert.equal(lastBoxed("no box"), null);
  });
  test("mapRecord stringifies numeric answers and reports missing fields by name", () => {
    assert.deepEqual(mapRecord({ problem: "p", answer: 27 }, {}, { file: "f", row: 3 }), {
      problem: "p",
      answer: "27",
    });
    const bad = mapRecord({ problem: "p" }, {}, { file: "f", row: 3 });
    assert.ok(Array.isArray(bad));
    assert.deepEqual(
      bad.map((i) => [i.file, i.row, i.field]),
      [["f", 3, "answer"]],
    );
  });
});

describe("loadDataset: JSONL", () => {
  test("skip policy: bad rows reported by file and line, good rows kept", async () => {
    const { rows, report } = await loadDataset({ path: FIXTURE });
    assert.deepEqual(
      rows.map((r) => r.problem),
      ["What is $1+1$?", "Last one"],
    );
    assert.equal(report.total, 7); // 8 lines, one blank
    assert.equal(report.loaded, 2);
    assert.equal(report.skipped, 5);
    assert.deepEqual(
      report.issues.map((i) => [path.basename(i.file), i.row, i.field]),
      [
        ["bad.jsonl", 3, null], // not JSON (parse issues come first)
        ["bad.jsonl", 2, "answer"],
        ["bad.jsonl", 4, "problem"], // whitespace only
        ["bad.jsonl", 6, "problem"], // it is under "question"
        ["bad.jsonl", 7, null], // an array
      ],
    );
    assert.equal(rows[0].source, "bad");
    assert.equal(rows[0].level, 1);
  });

  test("column mapping question → problem recovers the row; numbers become strings", async () => {
    const { rows } = await loadDataset(FIXTURE, { columns: { problem: ["problem", "question"] } });
    const r = rows.find((x) => x.problem.startsWith("Compute"));
    assert.equal(r?.answer, "9");
    assert.equal(r?.question, undefined); // consumed column dropped
    assert.equal(rows.length, 3);
  });

  test("fail policy throws after reading everything, listing file:line", async () => {
    await assert.rejects(loadDataset(FIXTURE, { onBadRow: "fail" }), (e: unknown) => {
      assert.ok(e instanceof DataLoadError);
      assert.equal(e.report.total, 7);
      assert.match(e.message, /5 bad row\(s\)/);
      assert.match(e.message, /bad\.jsonl:2: required field answer/);
      return true;
    });
  });
});

describe("loadDataset: Parquet (fixture written by hyparquet-writer)", () => {
  const file = path.join(tmp, "verl.parquet");
  before(() => writeVerlParquet(file));

  test("verl nested columns map to MathRow; the bad row is reported with its row number", async () => {
    const { rows, report } = await loadDataset({ path: file }, { columns: VERL_COLUMNS });
    assert.deepEqual(
      rows.map((r) => [r.id, r.problem, r.answer, r.level]),
      [
        ["10", "Find $x$ if $x+1=3$.", "2", "Hard"],
        ["12", "Compute $2^{10}$.", "1024", "Easy"],
      ],
    );
    assert.equal(rows[0].prompt, undefined); // the message list does not shadow the rendered prompt
    assert.equal(rows[0].data_source, "x"); // unmapped columns pass through
    assert.deepEqual(
      report.issues.map((i) => [i.row, i.field]),
      [[2, "answer"]],
    );
  });
});

describe("loadDataset: hub id through a loopback hub", () => {
  let hub: FakeHub;
  before(async () => {
    hub = await new FakeHub().start();
    const buf = parquetWriteBuffer({
      columnData: [
        { name: "problem", data: ["p0", "p1", "p2"], type: "STRING" },
        { name: "answer", data: ["a0", "a1", "a2"], type: "STRING" },
        { name: "level", data: ["Hard", "Hard", "Easy"], type: "STRING" },
      ],
    });
    const body = Buffer.from(buf);
    hub.add({
      repo: "knoveleng/open-rs",
      revision: "refs/convert/parquet",
      path: "default/train/0000.parquet",
      body,
      lfs: true,
    });
  });
  after(() => hub.stop());

  test("resolves the split, downloads into the cache, maps rows; then works offline", async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), "dataload-hub-"));
    const opts = { hub: { endpoint: hub.endpoint, cacheDir } };
    const { rows, report } = await loadDataset({ hub: "knoveleng/open-rs", split: "train" }, opts);
    assert.deepEqual(
      rows.map((r) => [r.id, r.problem, r.level, r.source]),
      [
        ["open-rs-0", "p0", "Hard", "open-rs"],
        ["open-rs-1", "p1", "Hard", "open-rs"],
        ["open-rs-2", "p2", "Easy", "open-rs"],
      ],
    );
    assert.ok(report.files[0].startsWith(cacheDir));
    const offline = await loadDataset("knoveleng/open-rs", { hub: { cacheDir, offline: true } });
    assert.equal(offline.rows.length, 3);
  });
});

describe("loadOpenRs (shared data)", () => {
  const present = sharedDataFile("train/open_rs.jsonl") !== null;
  test("loads all 6,999 rows with Hard/Easy levels", {
    skip: !present && "../shared/data absent",
  }, async () => {
    const { rows, report } = await loadOpenRs({ onBadRow: "fail" });
    assert.equal(rows.length, 6999);
    assert.equal(report.skipped, 0);
    assert.ok(rows.every((r) => r.level === "Hard" || r.level === "Easy"));
    assert.equal(new Set(rows.map((r) => r.id)).size, rows.length);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  generateRows,
  makeSftCorpus,
  makeSftExample,
  OPEN_RS_SYSTEM_PROMPT,
  type SftExample,
} from "../../src/data/synthetic";
import { Rng } from "../../src/util/rng";

const rows = generateRows(3, 1500);
const corpus = makeSftCorpus(rows, 11, { flawedFraction: 0.3 });

const count = (s: string, sub: string) => s.split(sub).length - 1;
const boxes = (s: string) => [...s.matchAll(/\\boxed\{((?:[^{}]|\{[^{}]*\})*)\}/g)].map((m) => m[1]);
const CLOSE = "\n</think>\n";
/** A well-formed trace: reasoning, then exactly one `\n</think>\n\n`, then one line that ends with the box. */
const WELL_FORMED =
  /^(?!<think>)[\s\S]+\n<\/think>\n\n[^\n]*\\boxed\{[^\n]*\}(\$|\$\.|\$\. I hope it is correct)$/;
const byFlaw = (f: string) => corpus.filter((e) => e.flaw === f);

describe("SFT traces", () => {
  it("are deterministic for a seed", () => {
    assert.deepEqual(makeSftCorpus(rows.slice(0, 100), 11), corpus.slice(0, 100));
    const other = makeSftCorpus(rows.slice(0, 100), 12).map((e) => e.completion);
    assert.notDeepEqual(
      other,
      corpus.slice(0, 100).map((e) => e.completion),
    );
  });

  it("flaw the configured fraction (0, 0.3, 1) and use every flaw kind", () => {
    const frac = corpus.filter((e) => e.flaw !== "none").length / corpus.length;
    assert.ok(Math.abs(frac - 0.3) < 0.05, `flawed fraction ${frac}`);
    for (const f of ["wrong_step", "too_short", "no_close", "no_box"]) assert.ok(byFlaw(f).length > 10, f);
    const sub = rows.slice(0, 200);
    assert.ok(makeSftCorpus(sub, 1, { flawedFraction: 0 }).every((e) => e.flaw === "none"));
    assert.ok(makeSftCorpus(sub, 1, { flawedFraction: 1 }).every((e) => e.flaw !== "none"));
    assert.throws(() => makeSftExample(rows[0], new Rng(0), { flawedFraction: 1.5 }), /flawedFraction/);
  });

  it("good traces are well-formed and box the right answer exactly once", () => {
    for (const e of byFlaw("none")) {
      assert.match(e.completion, WELL_FORMED, e.completion);
      assert.equal(count(e.completion, CLOSE), 1, e.completion);
      assert.deepEqual(boxes(e.completion), [e.row.answer], e.completion);
      assert.ok(!e.completion.includes("<think>"), "the <think> tag belongs to the prefill");
    }
  });

  it("wrong_step and too_short traces are well-formed but box a wrong answer", () => {
    for (const e of [...byFlaw("wrong_step"), ...byFlaw("too_short")]) {
      assert.match(e.completion, WELL_FORMED, e.completion);
      const b = boxes(e.completion);
      assert.equal(b.length, 1, e.completion);
      assert.notEqual(b[0], e.row.answer, `${e.flaw} trace boxes the right answer:\n${e.completion}`);
      assert.equal(b[0], e.statedAnswer);
    }
    const shortLines = byFlaw("too_short").map((e) => e.completion.split(CLOSE)[0].split("\n").length);
    assert.ok(
      shortLines.every((n) => n === 1),
      "too_short keeps at most one reasoning line",
    );
  });

  it("wrong_step traces contain a wrong intermediate line, not only a wrong final answer", () => {
    let multi = 0;
    for (const e of byFlaw("wrong_step")) {
      const good = makeSftExample(e.row, new Rng(0), {
        flawedFraction: 0,
        verbosityWeights: { terse: 1, normal: 0, verbose: 0 },
      });
      const goodLines = new Set(good.completion.split(CLOSE)[0].split("\n"));
      const lines = e.completion.split(CLOSE)[0].split("\n");
      assert.ok(
        lines.some((l) => /=/.test(l) && !goodLines.has(l)),
        `no wrong line in:\n${e.completion}`,
      );
      if (goodLines.size > 1) multi++;
    }
    assert.ok(multi > 0);
  });

  it("no_close traces lack the closing line; no_box traces lack the box", () => {
    for (const e of byFlaw("no_close")) {
      assert.equal(count(e.completion, CLOSE), 0, e.completion);
      assert.deepEqual(boxes(e.completion), [e.row.answer]);
    }
    for (const e of byFlaw("no_box")) {
      assert.equal(count(e.completion, CLOSE), 1, e.completion);
      assert.equal(boxes(e.completion).length, 0, e.completion);
      assert.ok(e.completion.endsWith(`The answer is ${e.row.answer}.`), e.completion);
    }
  });

  it("vary in length with verbosity", () => {
    const mean = (xs: SftExample[]) => xs.reduce((s, e) => s + e.completion.length, 0) / xs.length;
    const good = byFlaw("none");
    const [terse, normal, verbose] = ["terse", "normal", "verbose"].map((v) =>
      mean(good.filter((e) => e.verbosity === v)),
    );
    assert.ok(
      terse < normal && normal < verbose,
      `mean chars terse ${terse}, normal ${normal}, verbose ${verbose}`,
    );
  });

  it("build the prompt turns with an optional system prompt", () => {
    assert.deepEqual(corpus[0].prompt, [{ role: "user", content: rows[0].problem }]);
    const e = makeSftExample(rows[0], new Rng(1), { systemPrompt: OPEN_RS_SYSTEM_PROMPT });
    assert.deepEqual(
      e.prompt.map((m) => m.role),
      ["system", "user"],
    );
    assert.equal(e.prompt[0].content, OPEN_RS_SYSTEM_PROMPT);
  });
});

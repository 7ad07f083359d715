import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import {
  type ParsedAnswer,
  type ParseOptions,
  parse,
  shutdownVerifier,
  verify,
} from "../../src/verify/index";
import { EVAL } from "../../src/verify/modes";

/**
 * Real benchmark answers from ../shared/data (skipped when absent). Options are lighteval's extractive_match as
 * Open-RS ran it (`EVAL` in src/verify/modes.ts: precision 5, any_match, first_match fallback, boxed gold
 * priority 55), raw gold string when gold extraction finds nothing. Every miss is printed. The floors are the
 * figures the verifier reached when they were set (MATH-500 99.8%, Minerva 100%, OlympiadBench 99.7%).
 */
const DATA = path.resolve(__dirname, "../..", "../shared/data/benchmarks");
const haveData = existsSync(DATA);

interface Row {
  id: string;
  answer: string;
  solution?: string;
}

function rows(file: string): Row[] {
  return readFileSync(path.join(DATA, file), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Row);
}

const LATEX_GOLD: ParseOptions = EVAL.latexGold;
const EXPR_GOLD: ParseOptions = EVAL.exprGold;
const PRED: ParseOptions = EVAL.pred;
const OPTS = EVAL.verify;

function gold(text: string, opts: ParseOptions): ParsedAnswer[] {
  const g = parse(text, opts);
  return g.length > 0 ? g : [{ latex: text, raw: text, fallback: true }];
}

/** A bare answer field (no math delimiters) read as the boxed content it came from. */
const boxedAnswer = (a: string) => parse(`\\boxed{${a}}`, LATEX_GOLD);

const show = (p: ParsedAnswer[]) => JSON.stringify(p.filter((x) => !x.fallback).map((x) => x.latex));

function report(name: string, misses: string[], total: number): number {
  const rate = 1 - misses.length / total;
  console.log(`${name}: ${(rate * 100).toFixed(2)}% (${misses.length} misses of ${total})`);
  for (const m of misses) console.log(`  miss ${m}`);
  return rate;
}

describe("real benchmark answers", { skip: !haveData && "../shared/data is absent" }, () => {
  after(() => shutdownVerifier());

  it("MATH-500: the boxed answer of `solution` verifies equal to `answer` (≥ 99.8%)", async () => {
    const data = rows("math500.jsonl");
    const misses: string[] = [];
    for (const r of data) {
      const g = parse(r.solution ?? "", LATEX_GOLD);
      const a = boxedAnswer(r.answer);
      if (!(await verify(g, a, OPTS)))
        misses.push(`${r.id}: solution ${show(g)} vs answer ${JSON.stringify(r.answer)}`);
    }
    assert.ok(report("math500 solution-vs-answer", misses, data.length) >= 0.998);
  });

  it("Minerva: the boxed answer of `solution` verifies equal to `answer` (100%)", async () => {
    const data = rows("minerva.jsonl");
    const misses: string[] = [];
    for (const r of data) {
      const g = parse(r.solution ?? "", LATEX_GOLD);
      if (!(await verify(g, boxedAnswer(r.answer), OPTS)))
        misses.push(`${r.id}: ${JSON.stringify(r.answer)}`);
    }
    assert.equal(report("minerva solution-vs-answer", misses, data.length), 1);
  });

  const selfChecks: Array<[string, ParseOptions, number]> = [
    ["aime24.jsonl", EXPR_GOLD, 1],
    ["amc23.jsonl", EXPR_GOLD, 1],
    ["olympiadbench.jsonl", LATEX_GOLD, 0.997],
  ];
  for (const [file, goldOpts, floor] of selfChecks) {
    it(`${file}: "final answer is: $\\boxed{answer}$" verifies against the gold answer (≥ ${floor * 100}%)`, async () => {
      const data = rows(file);
      const misses: string[] = [];
      for (const r of data) {
        const bare = r.answer.trim().replace(/^\$+|\$+$/g, "");
        const pred = parse(`Therefore, the final answer is: $\\boxed{${bare}}$. I hope it is correct`, PRED);
        const g = gold(r.answer, goldOpts);
        if (!(await verify(g, pred, OPTS)))
          misses.push(`${r.id}: ${JSON.stringify(r.answer)} → ${show(pred)}`);
      }
      assert.ok(report(`${file} self-check`, misses, data.length) >= floor);
    });
  }

  it("MATH-500 false positives: different problems' answers verify equal for ≤ 0.5% of pairs", async () => {
    const data = rows("math500.jsonl");
    const parsed = data.map((r) => boxedAnswer(r.answer));
    const pairs: Array<[number, number]> = data.map((_, i) => [i, (i + 1) % data.length]);
    let seed = 20250316;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * data.length);
    };
    for (let k = 0; k < 400; k++) {
      const i = rnd();
      const j = rnd();
      if (i !== j) pairs.push([i, j]);
    }
    const key = (p: ParsedAnswer[]) => (p[0]?.latex ?? "").replace(/\s+/g, "");
    const hits: string[] = [];
    let counted = 0;
    for (const [i, j] of pairs) {
      if (key(parsed[i]) === key(parsed[j])) continue;
      counted++;
      if (await verify(parsed[i], parsed[j], OPTS)) {
        hits.push(
          `${data[i].id} ${JSON.stringify(data[i].answer)} == ${data[j].id} ${JSON.stringify(data[j].answer)}`,
        );
      }
    }
    const rate = hits.length / counted;
    console.log(
      `math500 false positives: ${hits.length} of ${counted} differing pairs (${(rate * 100).toFixed(2)}%)`,
    );
    for (const h of hits) console.log(`  false positive ${h}`);
    assert.ok(counted >= 800, `only ${counted} differing pairs`);
    assert.ok(rate <= 0.005);
  });
});

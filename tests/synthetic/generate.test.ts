import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  generateRows,
  makeSplits,
  problemKey,
  type SynthParams,
  type SynthRow,
} from "../../src/data/synthetic";

// Independent re-implementation of every form's answer, from the parameters only (never from the row's text).
const g = (a: number, b: number): number => (b === 0 ? Math.abs(a) : g(b, a % b));
type Q = [number, number]; // numerator, denominator (not reduced)

function expected(p: SynthParams): Q {
  const x = p.nums;
  const ev = (a: number, op: string, b: number) =>
    op === "+" ? a + b : op === "-" ? a - b : op === "*" ? a * b : op === "/" ? a / b : Number.NaN;
  switch (`${p.kind}/${p.form}`) {
    case "arithmetic/chain":
    case "arithmetic/word":
      return [(p.ops ?? []).reduce((acc, op, i) => ev(acc, op, x[i + 1]), x[0]), 1];
    case "fractions/reduce":
      return [x[0], x[1]];
    case "fractions/binary": {
      const [a, b, c, d] = x;
      const op = (p.ops ?? [])[0];
      if (op === "+") return [a * d + c * b, b * d];
      if (op === "-") return [a * d - c * b, b * d];
      if (op === "*") return [a * c, b * d];
      return [a * d, b * c];
    }
    case "equations/x+a=c":
      return [x[1] - x[0], 1];
    case "equations/x-a=c":
      return [x[1] + x[0], 1];
    case "equations/ax=c":
      return [x[1], x[0]];
    case "equations/x/a=c":
      return [x[1] * x[0], 1];
    case "equations/ax+b=c":
      return [x[2] - x[1], x[0]];
    case "equations/ax-b=c":
      return [x[2] + x[1], x[0]];
    case "equations/a(x+b)=c":
      return [x[2] - x[0] * x[1], x[0]];
    case "equations/x/a+b=c":
      return [(x[2] - x[1]) * x[0], 1];
    case "remainders/n%m":
      return [x[0] % x[1], 1];
    case "remainders/bags%m":
      return [(x[0] * x[1]) % x[2], 1];
    case "remainders/a*b+c%m":
      return [(x[0] * x[1] + x[2]) % x[3], 1];
    case "remainders/a+b+c%m":
      return [(x[0] + x[1] + x[2]) % x[3], 1];
    default:
      return countingExpected(p);
  }
}

function countingExpected(p: SynthParams): Q {
  const x = p.nums;
  const countIf = (lo: number, hi: number, f: (i: number) => boolean) => {
    let n = 0;
    for (let i = lo; i <= hi; i++) if (f(i)) n++;
    return n;
  };
  if (p.form === "mult") return [countIf(1, x[1], (i) => i % x[0] === 0), 1];
  if (p.form === "range") return [countIf(x[0], x[1], () => true), 1];
  if (p.form === "not") return [countIf(1, x[1], (i) => i % x[0] !== 0), 1];
  if (p.form === "between") return [countIf(x[1], x[2], (i) => i % x[0] === 0), 1];
  if (p.form === "or") return [countIf(1, x[2], (i) => i % x[0] === 0 || i % x[1] === 0), 1];
  if (p.form === "handshakes") {
    let n = 0;
    for (let i = 0; i < x[0]; i++) for (let j = i + 1; j < x[0]; j++) n++;
    return [n, 1];
  }
  throw new Error(`test has no recomputation for ${p.kind}/${p.form}`);
}

/** Parse an answer that must be in lowest terms: `-7`, `\frac{3}{4}`, `-\frac{1}{2}`. */
function parseLowest(ans: string): Q {
  if (/^-?\d+$/.test(ans)) return [Number(ans), 1];
  const m = /^(-?)\\frac\{(\d+)\}\{(\d+)\}$/.exec(ans);
  assert.ok(m, `answer '${ans}' is neither an integer nor -?\\frac{n}{d}`);
  const [n, d] = [Number(m[2]), Number(m[3])];
  assert.ok(d > 1 && g(n, d) === 1 && n > 0, `answer '${ans}' is not in lowest terms`);
  return [(m[1] ? -1 : 1) * n, d];
}

const rows = generateRows(7, 2000);

describe("synthetic generator", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    assert.deepEqual(generateRows(7, 200), rows.slice(0, 200));
    const other = generateRows(8, 200).map((r) => r.problem);
    assert.notDeepEqual(
      other,
      rows.slice(0, 200).map((r) => r.problem),
    );
  });

  it("every answer equals an independent recomputation from the parameters, in lowest terms", () => {
    for (const r of rows) {
      const [en, ed] = expected(r.params);
      assert.ok(
        ed !== 0 && Number.isInteger(en) && Number.isInteger(ed),
        `${r.id}: bad recomputation ${en}/${ed}`,
      );
      const [n, d] = parseLowest(r.answer);
      assert.equal(n * ed, en * d, `${r.id} '${r.problem}': answer ${r.answer} ≠ ${en}/${ed}`);
    }
  });

  it("the problem text carries the parameters and the solution boxes the answer", () => {
    for (const r of rows) {
      const ints = new Set((r.problem.match(/\d+/g) ?? []).map(Number));
      for (const v of r.params.nums) assert.ok(ints.has(Math.abs(v)), `${r.id}: ${v} not in '${r.problem}'`);
      assert.ok(
        r.solution.endsWith(`$\\boxed{${r.answer}}$.`),
        `${r.id}: solution does not end with the boxed answer`,
      );
      assert.equal(r.source, `synthetic/${r.params.kind}`);
    }
  });

  it("covers every kind and both levels, with Easy ≈ 1 operation and Hard 2–3", () => {
    const seen = new Set(rows.map((r) => `${r.params.kind}/${r.level}`));
    assert.equal(seen.size, 10, `kind×level seen: ${[...seen].join(" ")}`);
    for (const r of rows.filter((x) => x.params.kind === "arithmetic")) {
      const n = (r.params.ops ?? []).length;
      assert.ok(r.level === "Easy" ? n === 1 : n >= 2 && n <= 3, `${r.id} ${r.level} has ${n} ops`);
    }
    const hard = rows.filter((r) => r.level === "Hard" && r.params.kind === "fractions");
    const reducible = hard.filter((r) => {
      const [n, d] = expected(r.params);
      return g(n, d) !== 1;
    });
    assert.ok(
      reducible.length > hard.length / 2,
      `only ${reducible.length}/${hard.length} Hard fractions need reducing`,
    );
  });

  it("keeps problems short (≤ 200 characters) and numbers small (|answer| < 1000)", () => {
    for (const r of rows) {
      assert.ok(r.problem.length <= 200, `${r.id} is ${r.problem.length} chars`);
      const [n, d] = parseLowest(r.answer);
      assert.ok(Math.abs(n / d) < 1000, `${r.id}: answer ${r.answer}`);
    }
  });
});

describe("synthetic splits", () => {
  const opts = { seed: 5, trainSize: 1500, heldoutHardSize: 150, heldoutEasySize: 100 };
  const s = makeSplits(opts);
  const keys = (xs: SynthRow[]) => new Set(xs.map((r) => problemKey(r.params)));

  it("have the requested sizes and levels, and unique ids", () => {
    assert.equal(s.train.length, 1500);
    assert.equal(s.heldoutHard.length, 150);
    assert.equal(s.heldoutEasy.length, 100);
    assert.ok(s.heldoutHard.every((r) => r.level === "Hard"));
    assert.ok(s.heldoutEasy.every((r) => r.level === "Easy"));
    const ids = [...s.train, ...s.heldoutHard, ...s.heldoutEasy].map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it("never overlap (by problem key and by text) and have no duplicates inside", () => {
    const [tr, hh, he] = [keys(s.train), keys(s.heldoutHard), keys(s.heldoutEasy)];
    assert.equal(tr.size, s.train.length);
    for (const k of hh) assert.ok(!tr.has(k) && !he.has(k), `held-out Hard problem ${k} leaks`);
    for (const k of he) assert.ok(!tr.has(k), `held-out Easy problem ${k} leaks into train`);
    const trainText = new Set(s.train.map((r) => r.problem));
    for (const r of [...s.heldoutHard, ...s.heldoutEasy]) assert.ok(!trainText.has(r.problem), r.problem);
  });

  it("are deterministic, and the held-out sets do not depend on the training size", () => {
    assert.deepEqual(makeSplits(opts), s);
    const bigger = makeSplits({ ...opts, trainSize: 1600 });
    assert.deepEqual(bigger.heldoutHard, s.heldoutHard);
    assert.deepEqual(bigger.heldoutEasy, s.heldoutEasy);
  });
});

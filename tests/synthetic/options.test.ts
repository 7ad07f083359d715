import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateRows, makeSftExample, makeSplits } from "../../src/data/synthetic";
import { restatement } from "../../src/data/synthetic/sft";
import { Rng } from "../../src/util/rng";

describe("generator options for small curricula", () => {
  it("levelKinds picks kinds per level, cycling (repeats weight a kind)", () => {
    const rows = generateRows(5, 120, {
      hardFraction: 0.5,
      levelKinds: { Easy: ["arithmetic", "arithmetic", "remainders"], Hard: ["equations"] },
    });
    const easy = rows.filter((r) => r.level === "Easy").map((r) => r.params.kind);
    const hard = rows.filter((r) => r.level === "Hard").map((r) => r.params.kind);
    assert.ok(easy.length > 10 && hard.length > 10);
    assert.deepEqual(new Set(hard), new Set(["equations"]));
    for (const [i, k] of easy.entries()) assert.equal(k, i % 3 === 2 ? "remainders" : "arithmetic");
  });

  it("ops, negFraction, modNMax and eqForms restrict what is drawn", () => {
    const rows = generateRows(9, 300, {
      hardFraction: 0.5,
      kinds: ["arithmetic", "remainders", "equations"],
      levels: {
        Easy: { ops: ["+", "-"], modNMax: 30, eqForms: ["x+a=c"], addMax: 20 },
        Hard: { ops: ["+", "*"], negFraction: 0, addMax: 20 },
      },
    });
    for (const r of rows) {
      const p = r.params;
      if (p.kind === "arithmetic") {
        const allowed = r.level === "Easy" ? ["+", "-"] : ["+", "*"];
        for (const op of p.ops ?? []) assert.ok(allowed.includes(op), `${r.level} op ${op} in ${r.problem}`);
        assert.ok(Number(r.answer) >= 0, `negative answer ${r.answer} for ${r.problem}`);
      }
      if (p.kind === "remainders" && r.level === "Easy") assert.ok(p.nums[0] <= 30, r.problem);
      if (p.kind === "equations" && r.level === "Easy") assert.equal(p.form, "x+a=c");
    }
  });

  it("default options keep the splits unchanged by the new fields", () => {
    const a = makeSplits({ seed: 3, trainSize: 50, heldoutHardSize: 10, heldoutEasySize: 10 });
    const b = makeSplits({ seed: 3, trainSize: 50, heldoutHardSize: 10, heldoutEasySize: 10, levels: {} });
    assert.deepEqual(a, b);
  });

  it("restate opens the reasoning with the operands copied from the problem", () => {
    const [row] = generateRows(2, 1, {
      hardFraction: 1,
      kinds: ["arithmetic"],
      levels: { Hard: { wordFraction: 0 } },
    });
    const expr = restatement(row);
    assert.ok(expr !== null);
    for (const n of row.params.nums) assert.ok(expr.includes(String(n)) && row.problem.includes(String(n)));
    const ex = makeSftExample(row, new Rng(1), {
      flawedFraction: 0,
      restate: true,
      verbosityWeights: { terse: 1, normal: 0, verbose: 0 },
    });
    assert.equal(ex.completion.split("\n")[0], expr);
    const plain = makeSftExample(row, new Rng(1), {
      flawedFraction: 0,
      verbosityWeights: { terse: 1, normal: 0, verbose: 0 },
    });
    assert.notEqual(plain.completion.split("\n")[0], expr);
  });

  it("restatement writes equations and n mod m by hand-checked examples", () => {
    const eq = generateRows(4, 1, {
      hardFraction: 0,
      kinds: ["equations"],
      levels: { Easy: { eqForms: ["x+a=c"] } },
    })[0];
    assert.equal(restatement(eq), `x + ${eq.params.nums[0]} = ${eq.params.nums[1]}`);
    const rem = generateRows(4, 1, { hardFraction: 0, kinds: ["remainders"] })[0];
    assert.equal(restatement(rem), `${rem.params.nums[0]} mod ${rem.params.nums[1]}`);
  });
});

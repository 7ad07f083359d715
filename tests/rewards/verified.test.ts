/**
 * Rewards through the real verifier (src/verify): the mode differences on real Math-Verify semantics, Open-RS
 * Exp 3 totals via the registry, and a real-data check on open_rs.jsonl (skipped when ../shared/data is absent).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { resolveRewards, scoreRewards } from "../../src/rewards";
import type { RewardBatch } from "../../src/rewards/types";
import { shutdownVerifier } from "../../src/verify";

after(() => shutdownVerifier());

const done = "Let me think.\n</think>\n\nThe answer is ";
const rowOf = (solution: string | undefined, answer: string): RewardBatch[number] =>
  solution === undefined
    ? { problem: "p", answer, prompt: "q" }
    : { problem: "p", solution, answer, prompt: "q" };

async function accuracy(mode: "faithful" | "fixed", completion: string, row: RewardBatch[number]) {
  const out = await scoreRewards(resolveRewards(["accuracy"]), [completion], [row], {
    mode,
    completionTokenCounts: [1],
  });
  return { value: out.perFunction[0].values[0], unverifiable: out.unverifiable };
}

describe("accuracy_reward with the real verifier, faithful vs fixed", () => {
  const cases: Array<
    [
      pred: string,
      sol: string | undefined,
      ans: string,
      faithful: number | null,
      fixed: number | null,
      rule: string,
    ]
  > = [
    ["\\boxed{\\dfrac{1}{2}}.", "Thus $\\boxed{\\frac{1}{2}}$.", "\\frac{1}{2}", 1, 1, "equal values"],
    ["\\boxed{0.5}.", "Thus $\\boxed{\\frac{1}{2}}$.", "\\frac{1}{2}", 1, 1, "decimal = rational"],
    ["\\boxed{3}.", "Thus $\\boxed{\\frac{1}{2}}$.", "\\frac{1}{2}", 0, 0, "wrong value"],
    ["$5$.", "Thus $\\boxed{5}$.", "5", 1, 1, "'answer … $…$' anchor extracts"],
    ["5.", "Thus $\\boxed{5}$.", "5", 0, 0, "bare number: no anchored LaTeX in the prediction"],
    ["\\boxed{5}.", "no math at all", "", 1, null, "gold unparseable: faithful 1.0 (skip), fixed null"],
    // `2a = 5` is an equation but not an assignment (`a + b = 5` would be one: its left side is only symbols).
    [
      "\\boxed{5}.",
      "We get $\\boxed{2a=5}$.",
      "2a=5",
      1,
      0,
      "order: only the 2nd argument's equation is cut to its rhs",
    ],
    ["\\boxed{2a=5}.", "We get $\\boxed{5}$.", "5", 0, 1, "order, mirrored"],
    ["\\boxed{3}.", "Thus $\\boxed{4}$.", "3", 0, 1, "gold source: faithful solution (4), fixed answer (3)"],
  ];
  for (const [pred, sol, ans, faithful, fixed, rule] of cases) {
    it(`${JSON.stringify(pred)} vs ${JSON.stringify(sol)}: faithful ${faithful}, fixed ${fixed} (${rule})`, async () => {
      assert.equal((await accuracy("faithful", done + pred, rowOf(sol, ans))).value, faithful, "faithful");
      assert.equal((await accuracy("fixed", done + pred, rowOf(sol, ans))).value, fixed, "fixed");
    });
  }
  it("an unparseable gold is counted as unverifiable in both modes", async () => {
    for (const mode of ["faithful", "fixed"] as const) {
      assert.equal((await accuracy(mode, `${done}\\boxed{5}`, rowOf("no math", ""))).unverifiable, 1, mode);
    }
  });
});

describe("Open-RS Exp 3 totals via the registry (format ×1, cosine ×2, cosine_max_len 3584, faithful)", () => {
  const rewards = () => resolveRewards(["format", "cosine"], [1, 2], { cosine_max_len: 3584 });
  const pad = (total: number, tail: string) => "a".repeat(total - tail.length) + tail;
  const right = `${done}\\boxed{7}.`;
  const wrong = `${done}\\boxed{8}.`;
  const cases: Array<[text: string, total: number, rule: string]> = [
    [pad(1792, right), 2.5, "correct+formatted, x=0.5: 1 + 2·0.75"],
    [pad(1792, wrong), 0.5, "wrong+formatted, x=0.5: 1 + 2·(−0.25)"],
    [pad(3584, right), 2.0, "correct+formatted, x=1: 1 + 2·0.5"],
    [pad(3584, wrong), 0.0, "wrong+formatted, x=1: 1 + 2·(−0.5)"],
    [pad(7168, right), 3.0, "correct+formatted, x=2: periodic, 1 + 2·1.0"],
  ];
  for (const [text, total, rule] of cases) {
    it(`${rule} = ${total}`, async () => {
      const out = await scoreRewards(rewards(), [text], [rowOf("so $\\boxed{7}$", "7")], {
        mode: "faithful",
        completionTokenCounts: [1],
      });
      assert.ok(Math.abs(out.totals[0] - total) < 1e-12, `got ${out.totals[0]}`);
    });
  }
});

const DATA = path.resolve(__dirname, "../..", "../shared/data/train/open_rs.jsonl");

describe("open_rs.jsonl: boxing the `answer` column (first 300 rows)", {
  skip: !existsSync(DATA) && "no ../shared/data",
}, () => {
  it("fixed mode verifies ≥ 99%; faithful (gold from `solution`) ≥ 90%", async () => {
    const rows = readFileSync(DATA, "utf8")
      .split("\n")
      .slice(0, 300)
      .map((l) => JSON.parse(l) as RewardBatch[number]);
    const completions = rows.map((r) => `${done}$\\boxed{${String(r.answer).replace(/^\$|\$$/g, "")}}$.`);
    const batch = rows.map((r) => ({ ...r, prompt: "" }));
    const rate = async (mode: "faithful" | "fixed") => {
      const out = await scoreRewards(resolveRewards(["accuracy"]), completions, batch, {
        mode,
        completionTokenCounts: rows.map(() => 1),
      });
      return out.perFunction[0].values.filter((v) => v === 1).length / rows.length;
    };
    assert.ok((await rate("fixed")) >= 0.99, "fixed");
    assert.ok(
      (await rate("faithful")) >= 0.9,
      "faithful: the solution's first LaTeX match is not always the answer",
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accuracyReward } from "../../src/rewards/accuracy";
import { goldText } from "../../src/rewards/judge";
import { boxedFake, ctxOf, row, throwingFake } from "./fakes";

const done = "reasoning\n</think>\n\nThe answer is ";

describe("accuracy_reward, faithful vs fixed (fake verifier: last \\boxed{}, exact match)", () => {
  const cases: Array<{
    what: string;
    sol: string | undefined;
    ans: string;
    pred: string;
    faithful: number | null;
    fixed: number | null;
  }> = [
    {
      what: "same box → verified",
      sol: "so $\\boxed{7}$",
      ans: "7",
      pred: "\\boxed{7}",
      faithful: 1,
      fixed: 1,
    },
    {
      what: "different box → wrong",
      sol: "so $\\boxed{7}$",
      ans: "7",
      pred: "\\boxed{8}",
      faithful: 0,
      fixed: 0,
    },
    {
      what: "gold unparseable: faithful 1.0 (skip), fixed null",
      sol: "no boxed answer here",
      ans: "",
      pred: "\\boxed{8}",
      faithful: 1,
      fixed: null,
    },
    {
      what: "gold source: faithful reads solution (3), fixed reads answer (4)",
      sol: "so $\\boxed{3}$",
      ans: "4",
      pred: "\\boxed{4}",
      faithful: 0,
      fixed: 1,
    },
    {
      what: "no solution column: faithful falls back to answer",
      sol: undefined,
      ans: "4",
      pred: "\\boxed{4}",
      faithful: 1,
      fixed: 1,
    },
    { what: "prediction without a box → 0", sol: "$\\boxed{7}$", ans: "7", pred: "7", faithful: 0, fixed: 0 },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      for (const mode of ["faithful", "fixed"] as const) {
        const out = await accuracyReward({ verifier: boxedFake() })(
          [done + c.pred],
          [row(c.sol, c.ans)],
          ctxOf(mode, [1]),
        );
        assert.deepEqual(out, [c[mode]], `${mode}`);
      }
    });
  }

  it("argument order: faithful verify(pred, gold) (open-rs), fixed verify(gold, pred) (TRL)", async () => {
    for (const [mode, expected] of [
      ["faithful", ["P", "G"]],
      ["fixed", ["G", "P"]],
    ] as const) {
      const log: Array<[string, string]> = [];
      await accuracyReward({ verifier: boxedFake(log) })(
        ["\\boxed{P}"],
        [row("\\boxed{G}", "G")],
        ctxOf(mode, [1]),
      );
      assert.deepEqual(log, [expected], mode);
    }
  });

  it("verifier failure → faithful 0.0, fixed null; both counted as unverifiable", async () => {
    for (const [mode, expected] of [
      ["faithful", 0],
      ["fixed", null],
    ] as const) {
      const ctx = ctxOf(mode, [1, 1]);
      const out = await accuracyReward({ verifier: throwingFake })(["a", "b"], [row("s"), row("s")], ctx);
      assert.deepEqual(out, [expected, expected], mode);
      assert.equal(ctx.diagnostics?.unverifiableRows.size, 2);
    }
  });

  it("a throwing parse is a verifier failure too", async () => {
    const bad = {
      parse: () => {
        throw new Error("parse exploded");
      },
      verify: async () => true,
    };
    assert.deepEqual(await accuracyReward({ verifier: bad })(["x"], [row("s")], ctxOf("faithful", [1])), [0]);
    assert.deepEqual(await accuracyReward({ verifier: bad })(["x"], [row("s")], ctxOf("fixed", [1])), [null]);
  });

  it("counts unparseable gold once per row and works without a diagnostics sink", async () => {
    const ctx = ctxOf("faithful", [1, 1, 1]);
    const out = await accuracyReward({ verifier: boxedFake() })(
      ["\\boxed{1}", "\\boxed{1}", "\\boxed{1}"],
      [row("none"), row("\\boxed{1}"), row("none")],
      ctx,
    );
    assert.deepEqual(out, [1, 1, 1]);
    assert.deepEqual([...(ctx.diagnostics?.unverifiableRows ?? [])], [0, 2]);
    const bare = await accuracyReward({ verifier: boxedFake() })(["\\boxed{1}"], [row("none")], {
      mode: "fixed",
      completionTokenCounts: [1],
    });
    assert.deepEqual(bare, [null]);
  });
});

describe("goldText (which column is the gold)", () => {
  const cases: Array<
    [mode: "faithful" | "fixed", sol: string | undefined, ans: string, expected: string, rule: string]
  > = [
    ["faithful", "S $\\boxed{1}$", "2", "S $\\boxed{1}$", "faithful: solution verbatim"],
    [
      "faithful",
      undefined,
      "2",
      "Therefore, the final answer is: $\\boxed{2}$",
      "faithful without solution: answer",
    ],
    [
      "fixed",
      "S",
      "\\frac{1}{2}",
      "Therefore, the final answer is: $\\boxed{\\frac{1}{2}}$",
      "fixed: answer, boxed",
    ],
    [
      "fixed",
      "S",
      "$\\frac{79}{128}$",
      "Therefore, the final answer is: $\\boxed{\\frac{79}{128}}$",
      "outer $…$ stripped",
    ],
    ["fixed", "S", "\\$36", "Therefore, the final answer is: $\\boxed{\\$36}$", "escaped \\$ kept"],
    ["fixed", "S", "a+$ $b", "a+$ $b", "inner unescaped $: parsed as written"],
    ["fixed", "S", "  ", "S", "blank answer: solution"],
  ];
  for (const [mode, sol, ans, expected, rule] of cases) {
    it(`${mode} ${JSON.stringify(ans)} → ${rule}`, () => {
      assert.equal(goldText(row(sol, ans), mode), expected);
    });
  }
  it("tolerates a missing row", () => {
    assert.equal(goldText(undefined, "fixed"), "");
  });
});

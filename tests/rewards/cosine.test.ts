import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cosineScaledReward, cosineSchedule, cosineValues } from "../../src/rewards/accuracy";
import type { WeightedReward } from "../../src/rewards/registry";
import { formatReward } from "../../src/rewards/rules";
import { scoreRewards } from "../../src/rewards/score";
import { boxedFake, constantFake, ctxOf, row, throwingFake } from "./fakes";

const close = (got: number | null, want: number | null, msg: string) => {
  if (want === null) return assert.equal(got, null, msg);
  assert.ok(got !== null && Math.abs(got - want) < 1e-12, `${msg}: got ${got}, want ${want}`);
};

describe("cosine_scaled_reward, faithful (characters, unclamped, min_wrong 0.0)", () => {
  // max_len 4 characters: "" → x=0, "ab" → 0.5, "abcd" → 1, "abcdefgh" → 2.
  const cases: Array<[text: string, correct: number, wrong: number, rule: string]> = [
    ["", 1.0, 0.0, "x=0: cos 0 = 1 → hi (correct 1.0, wrong min_wrong 0.0)"],
    ["ab", 0.75, -0.25, "x=0.5: cos = 0 → midpoint (0.5+1)/2, (−0.5+0)/2"],
    ["abcd", 0.5, -0.5, "x=1: cos π = −1 → lo (min_correct 0.5, max_wrong −0.5)"],
    ["abcdefgh", 1.0, 0.0, "x=2: unclamped, cos 2π = 1 → back to hi (periodic quirk)"],
    ["\u{1F600}\u{1F600}", 0.75, -0.25, "Python len counts code points: 2 emoji → x=0.5"],
  ];
  for (const [text, correct, wrong, rule] of cases) {
    it(`${JSON.stringify(text)}: ${rule}`, async () => {
      const ctx = ctxOf("faithful", [999]); // tokens ignored in faithful mode
      const p = { cosine_max_len: 4 };
      close(
        (await cosineScaledReward(p, { verifier: constantFake(true) })([text], [row("s")], ctx))[0],
        correct,
        "correct",
      );
      close(
        (await cosineScaledReward(p, { verifier: constantFake(false) })([text], [row("s")], ctx))[0],
        wrong,
        "wrong",
      );
    });
  }
});

describe("cosine_scaled_reward, fixed (tokens, x clamped to 1, min_wrong −1.0)", () => {
  const cases: Array<[tokens: number, correct: number, wrong: number, rule: string]> = [
    [0, 1.0, -1.0, "x=0 → hi (correct 1.0, wrong min_wrong −1.0)"],
    [50, 0.75, -0.75, "x=0.5 → midpoint (TRL docstring example: [0.75, −0.75])"],
    [100, 0.5, -0.5, "x=1 → lo"],
    [200, 0.5, -0.5, "x=2 clamped to 1 → lo (no periodic climb)"],
  ];
  for (const [tokens, correct, wrong, rule] of cases) {
    it(`${tokens} tokens / 100: ${rule}`, async () => {
      const ctx = ctxOf("fixed", [tokens]);
      const p = { cosine_max_len: 100 };
      const text = "characters do not matter in fixed mode, only tokens";
      close(
        (await cosineScaledReward(p, { verifier: constantFake(true) })([text], [row("s")], ctx))[0],
        correct,
        "correct",
      );
      close(
        (await cosineScaledReward(p, { verifier: constantFake(false) })([text], [row("s")], ctx))[0],
        wrong,
        "wrong",
      );
    });
  }
});

describe("cosine_scaled_reward edge rules", () => {
  it("unparseable gold: faithful 1.0, fixed null", async () => {
    const fn = cosineScaledReward({}, { verifier: boxedFake() });
    assert.deepEqual(await fn(["\\boxed{1}"], [row("no box")], ctxOf("faithful", [1])), [1.0]);
    assert.deepEqual(await fn(["\\boxed{1}"], [row("no box")], ctxOf("fixed", [1])), [null]);
  });
  it("verifier failure: faithful scores as wrong (x=0.5 → −0.25), fixed null", async () => {
    const fn = cosineScaledReward({ cosine_max_len: 4 }, { verifier: throwingFake });
    close((await fn(["ab"], [row("s")], ctxOf("faithful", [1])))[0], -0.25, "faithful");
    assert.deepEqual(await fn(["ab"], [row("s")], ctxOf("fixed", [1])), [null]);
  });
  it("explicit params override the mode defaults", () => {
    assert.equal(cosineValues({}, "faithful").min_value_wrong, 0.0);
    assert.equal(cosineValues({}, "fixed").min_value_wrong, -1.0);
    assert.equal(cosineValues({ cosine_min_value_wrong: -0.25 }, "faithful").min_value_wrong, -0.25);
    const v = { min_value_wrong: -1, max_value_wrong: -0.5, min_value_correct: 0.5, max_value_correct: 1 };
    close(cosineSchedule(1 / 3, true, v), 0.5 + 0.25 * 1.5, "x=1/3 correct: cos(π/3)=0.5 → 0.5+0.25·1.5");
  });
  it("rejects cosine_max_len ≤ 0", () => {
    assert.throws(() => cosineScaledReward({ cosine_max_len: 0 }), /cosine_max_len/);
  });
});

describe("Open-RS Exp 3 totals: 1·format + 2·cosine (max_len 3584 characters, faithful)", () => {
  const tail = "\n</think>\n\\boxed{7}"; // 19 characters
  const pad = (total: number, t: string) => "a".repeat(total - t.length) + t;
  const fns = (): WeightedReward[] => [
    { key: "format", name: "format_reward", weight: 1, fn: formatReward() },
    {
      key: "cosine",
      name: "cosine_scaled_reward",
      weight: 2,
      fn: cosineScaledReward({ cosine_max_len: 3584 }, { verifier: boxedFake() }),
    },
  ];
  const cases: Array<[text: string, total: number, rule: string]> = [
    [pad(1792, tail), 2.5, "correct+formatted, x=0.5: 1 + 2·0.75"],
    [pad(1792, tail.replace("7", "8")), 0.5, "wrong+formatted, x=0.5: 1 + 2·(−0.25)"],
    [pad(3584, tail), 2.0, "correct+formatted, x=1: 1 + 2·0.5"],
    [pad(3584, tail.replace("7", "8")), 0.0, "wrong+formatted, x=1: 1 + 2·(−0.5)"],
    [pad(1792, "\\boxed{7}"), 1.5, "correct, unformatted, x=0.5: 0 + 2·0.75"],
  ];
  for (const [text, total, rule] of cases) {
    it(`${rule} = ${total}`, async () => {
      const out = await scoreRewards(fns(), [text], [row("so $\\boxed{7}$")], ctxOf("faithful", [1]));
      close(out.totals[0], total, rule);
    });
  }
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lenReward } from "../../src/rewards/accuracy";
import { boxedFake, ctxOf, row } from "./fakes";

// Worked example: lengths 10, 20, 30, 50 characters → Lmin 10, Lmax 50; λ = 0.5 − (L − 10)/40 = 0.5, 0.25, 0, −0.5.
const text = (len: number, box: string) => {
  const b = `\\boxed{${box}}`;
  return `${"a".repeat(len - b.length)}${b}`;
};
const completions = [text(10, "1"), text(20, "2"), text(30, "1"), text(50, "2")];

describe("len_reward (Kimi k1.5, per call)", () => {
  it("correct → λ, wrong → min(0, λ): [0.5, min(0,0.25)=0, 0, −0.5]", async () => {
    const batch = completions.map(() => row("$\\boxed{1}$", "1"));
    for (const mode of ["faithful", "fixed"] as const) {
      const out = await lenReward({ verifier: boxedFake() })(completions, batch, ctxOf(mode, [1, 1, 1, 1]));
      assert.deepEqual(out, [0.5, 0, 0, -0.5], mode);
    }
  });
  it("unparseable gold on row 2: faithful treats it as correct (λ = 0.25), fixed gives null", async () => {
    const batch = [row("$\\boxed{1}$"), row("no box"), row("$\\boxed{1}$"), row("$\\boxed{1}$")];
    const faithful = await lenReward({ verifier: boxedFake() })(
      completions,
      batch,
      ctxOf("faithful", [1, 1, 1, 1]),
    );
    assert.deepEqual(faithful, [0.5, 0.25, 0, -0.5]);
    const fixed = await lenReward({ verifier: boxedFake() })(
      completions,
      batch,
      ctxOf("fixed", [1, 1, 1, 1]),
    );
    assert.deepEqual(fixed, [0.5, null, 0, -0.5]);
  });
  it("all lengths equal → 0 for every completion", async () => {
    const same = [text(12, "1"), text(12, "2")];
    const out = await lenReward({ verifier: boxedFake() })(
      same,
      [row("\\boxed{1}"), row("\\boxed{1}")],
      ctxOf("faithful", [1, 1]),
    );
    assert.deepEqual(out, [0, 0]);
  });
  it("empty call → empty result", async () => {
    assert.deepEqual(await lenReward({ verifier: boxedFake() })([], [], ctxOf("faithful", [])), []);
  });
});

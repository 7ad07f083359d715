import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accuracyReward, cosineScaledReward } from "../../src/rewards/accuracy";
import type { WeightedReward } from "../../src/rewards/registry";
import { scoreRewards, UNVERIFIABLE_METRIC } from "../../src/rewards/score";
import type { RewardFn } from "../../src/rewards/types";
import { boxedFake, ctxOf, row } from "./fakes";

const w = (name: string, weight: number, fn: RewardFn): WeightedReward => ({ key: name, name, weight, fn });
const fixedValues =
  (values: (number | null)[]): RewardFn =>
  () =>
    values;

describe("scoreRewards (TRL nansum semantics)", () => {
  it("null → skipped in the weighted sum; a row of all nulls → NaN", async () => {
    const fns = [w("a", 1, fixedValues([1, null, null])), w("b", 0.5, async () => [2, 3, null])];
    const out = await scoreRewards(
      fns,
      ["x", "y", "z"],
      [row("s"), row("s"), row("s")],
      ctxOf("fixed", [1, 1, 1]),
    );
    assert.deepEqual(out.totals, [2, 1.5, Number.NaN], "[1·1 + 0.5·2, 0.5·3, all null]");
    assert.deepEqual(
      out.perFunction.map((f) => [f.name, f.weight, f.values]),
      [
        ["a", 1, [1, null, null]],
        ["b", 0.5, [2, 3, null]],
      ],
    );
    assert.equal(out.unverifiable, 0);
  });
  it("a NaN score is treated like null (NaN-aware)", async () => {
    const out = await scoreRewards(
      [w("a", 2, fixedValues([Number.NaN])), w("b", 1, fixedValues([1]))],
      ["x"],
      [row("s")],
      ctxOf("fixed", [1]),
    );
    assert.deepEqual(out.totals, [1]);
  });
  it(`counts unverifiable rows once across rewards (${UNVERIFIABLE_METRIC})`, async () => {
    const fns = [
      w("accuracy_reward", 1, accuracyReward({ verifier: boxedFake() })),
      w("cosine_scaled_reward", 1, cosineScaledReward({}, { verifier: boxedFake() })),
    ];
    const batch = [row("none"), row("\\boxed{1}"), row("none")];
    const out = await scoreRewards(
      fns,
      ["\\boxed{1}", "\\boxed{1}", "\\boxed{2}"],
      batch,
      ctxOf("faithful", [1, 1, 1]),
    );
    assert.equal(out.unverifiable, 2, "rows 0 and 2 have no parseable gold");
    assert.deepEqual(out.perFunction[0].values, [1, 1, 1], "faithful: unparseable gold scores 1.0");
  });
  it("throws on misaligned inputs and wrong-length outputs (programming errors)", async () => {
    const one = [w("a", 1, fixedValues([1]))];
    await assert.rejects(
      scoreRewards(one, ["x", "y"], [row("s")], ctxOf("fixed", [1, 1])),
      /batch has 1 rows for 2/,
    );
    await assert.rejects(scoreRewards(one, ["x"], [row("s")], ctxOf("fixed", [])), /completionTokenCounts/);
    await assert.rejects(
      scoreRewards([w("short", 1, fixedValues([]))], ["x"], [row("s")], ctxOf("fixed", [1])),
      /reward "short" returned 0 scores for 1/,
    );
  });
});

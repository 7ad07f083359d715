/**
 * Reward totals and advantages on a worked example computed by hand (numbers below come from the arithmetic in
 * the comments, not from the code). tests/grpo/loss.test.ts continues the same example through the loss.
 *
 * Two groups of G = 3, two reward functions: format (w = 1) and cosine (w = 2).
 *   group 1: (format, cosine) = (1, 0.5), (1, 0), (0, 0) → totals 2, 1, 0
 *            mean 1; deviations 1, 0, −1; Σd² = 2; Bessel var 2/2 = 1; std 1
 *            A = d / (1 + 1e-4) → A1 = 1/1.0001 = 0.999900009999, 0, −A1
 *   group 2: (1, 1), (1, 1), (0, 0) → totals 3, 3, 0
 *            mean 2; deviations 1, 1, −2; Σd² = 6; var 3; std √3 = 1.7320508075688772
 *            a = 1/(√3 + 1e-4) = 0.5773169377806823 → A = a, a, −2a = −1.1546338755613645
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { computeAdvantages, keepMask, zeroStdGroups } from "../../src/grpo/algos";
import { weightedTotals } from "../../src/rewards/score";

const close = (got: number, want: number, tol = 1e-7, what = "") =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want}`);

const A1 = 0.999900009999;
const a = 0.5773169377806823;

describe("rewards and advantages (worked example)", () => {
  const format = [1, 1, 0, 1, 1, 0];
  const cosine = [0.5, 0, 0, 1, 1, 0];
  const totals = weightedTotals(
    [
      { weight: 1, values: format },
      { weight: 2, values: cosine },
    ],
    6,
  );

  it("weights and sums reward functions", () => {
    assert.deepEqual(totals, [2, 1, 0, 3, 3, 0]);
  });

  it("scale_rewards=group: (r − mean_g)/(std_g + 1e-4), Bessel std", () => {
    const adv = computeAdvantages(totals, 3, "group");
    [A1, 0, -A1, a, a, -2 * a].forEach((w, i) => {
      close(adv[i], w, 1e-9, `A[${i}]`);
    });
  });

  it("scale_rewards=batch: group mean, batch std", () => {
    // batch: mean 1.5, Σd² = .25+.25+2.25+2.25+2.25+2.25 = 9.5, var 9.5/5 = 1.9, std 1.378404875209022
    // g1: 1/(1.378404875209022 + 1e-4) = 0.7254236223490834; g2 row5: −2 × that = −1.4508472446981668
    const adv = computeAdvantages(totals, 3, "batch");
    const s = 0.7254236223490834;
    [s, 0, -s, s, s, -2 * s].forEach((w, i) => {
      close(adv[i], w, 1e-9, `A[${i}]`);
    });
  });

  it("scale_rewards=none: centred only (Dr. GRPO)", () => {
    assert.deepEqual(computeAdvantages(totals, 3, "none"), [1, 0, -1, 1, 1, -2]);
  });

  it("null rewards: nansum per row; all-null rows get advantage 0 and leave the baseline", () => {
    // row0 all null → NaN; group1 baseline over {2, 0}: mean 1, std √2 → ±1/(√2 + 1e-4) = ±0.7070567847218314
    const t = weightedTotals(
      [
        { weight: 1, values: [null, 1, 0, 1, 0, 1] },
        { weight: 2, values: [null, 0.5, 0, null, null, 0] },
      ],
      6,
    );
    assert.ok(Number.isNaN(t[0]));
    assert.deepEqual(t.slice(1), [2, 0, 1, 0, 1]);
    const adv = computeAdvantages(t, 3, "group");
    close(adv[0], 0, 0, "A[0]");
    close(adv[1], 0.7070567847218314, 1e-9, "A[1]");
    close(adv[2], -0.7070567847218314, 1e-9, "A[2]");
  });

  it("drop_zero_std_groups masks only the groups whose rewards are all equal", () => {
    const r = [1, 1, 1, 0, 2, 1];
    assert.deepEqual(zeroStdGroups(r, 3), [true, false]);
    assert.deepEqual(keepMask(r, 3), [0, 0, 0, 1, 1, 1]);
    // a zero-std group has advantage 0 everywhere, so only KL would remain from it
    assert.deepEqual(computeAdvantages(r, 3, "group").slice(0, 3), [0, 0, 0]);
  });

  it("rejects a batch that is not a whole number of groups", () => {
    assert.throws(() => computeAdvantages([1, 2, 3, 4], 3, "group"), /groups of num_generations = 3/);
  });
});

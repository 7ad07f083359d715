/**
 * Worked example, computed by hand (numbers below come from the arithmetic in the comments, not from the code).
 *
 * Two groups of G = 3, two reward functions: format (w = 1) and cosine (w = 2).
 *   group 1: (format, cosine) = (1, 0.5), (1, 0), (0, 0) → totals 2, 1, 0
 *            mean 1; deviations 1, 0, −1; Σd² = 2; Bessel var 2/2 = 1; std 1
 *            A = d / (1 + 1e-4) → A1 = 1/1.0001 = 0.999900009999, 0, −A1
 *   group 2: (1, 1), (1, 1), (0, 0) → totals 3, 3, 0
 *            mean 2; deviations 1, 1, −2; Σd² = 6; var 3; std √3 = 1.7320508075688772
 *            a = 1/(√3 + 1e-4) = 0.5773169377806823 → A = a, a, −2a = −1.1546338755613645
 *
 * Tokens (ρ = π/π_old, q = π_ref/π, k3(q) = q − ln q − 1; k3(2) = 1 − ln2 = 0.3068528194400547,
 * k3(1/2) = ln2 − 1/2 = 0.1931471805599453, k3(1) = 0), β = 0.04:
 *   row0 (A1):  t0 ρ=1.5 q=1;  t1 ρ=1 q=2
 *   row1 (0):   t0 ρ=0.5 q=1/2
 *   row2 (−A1): t0 ρ=0.5 q=1;  t1 ρ=1.5 q=1
 *   row3 (a):   t0 ρ=1.25 q=1
 *   row4 (a):   t0 ρ=1 q=2;    t1 ρ=1 q=1/2
 *   row5 (−2a): t0 ρ=0.7 q=1
 * Micro-batches of 3 rows (one group each), M = 2 (e.g. GA = 2); L_max = 4; tokens 5 + 4 = 9.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  aggregateLoss,
  combineRewards,
  computeAdvantages,
  keepMask,
  type TokenLoss,
  tokenLoss,
  zeroStdGroups,
} from "../../src/grpo/algos";
import { meanMetrics, microBatchMetrics } from "../../src/grpo/loss-metrics";

const close = (got: number, want: number, tol = 1e-7, what = "") =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want}`);

const A1 = 0.999900009999;
const a = 0.5773169377806823;
const ratios = [[1.5, 1], [0.5], [0.5, 1.5], [1.25], [1, 1], [0.7]];
const qs = [[1, 2], [0.5], [1, 1], [1], [2, 0.5], [1]];
const advantages = [A1, 0, -A1, a, a, -2 * a];
const mask = ratios.map((r) => r.map(() => 1));
const layout = { microBatchSize: 3, maxCompletionLength: 4 };

/** Build token losses: logp = 0 for simplicity, old = −ln ρ, ref = ln q (so ref − logp = ln q). */
function tokens(useOld: boolean, epsHigh: number): TokenLoss[][] {
  return ratios.map((row, i) =>
    row.map((rho, t) =>
      tokenLoss(
        {
          logp: 0,
          oldLogp: useOld ? -Math.log(rho) : 0,
          refLogp: Math.log(qs[i][t]),
          advantage: advantages[i],
        },
        0.2,
        epsHigh,
        0.04,
      ),
    ),
  );
}
const losses = (t: TokenLoss[][]) => t.map((r) => r.map((x) => x.loss));

describe("rewards and advantages (worked example)", () => {
  const format = [1, 1, 0, 1, 1, 0];
  const cosine = [0.5, 0, 0, 1, 1, 0];
  const totals = combineRewards([format, cosine], [1, 2]);

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
    const t = combineRewards(
      [
        [null, 1, 0, 1, 0, 1],
        [null, 0.5, 0, null, null, 0],
      ],
      [1, 2],
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

describe("per-token loss and aggregation (worked example)", () => {
  it("faithful mode (μ = 1 → ρ ≡ 1): l = −A + β·k3", () => {
    const t = tokens(false, 0.2);
    close(t[0][0].loss, -A1, 1e-9, "row0 t0");
    close(t[0][1].loss, -A1 + 0.04 * 0.3068528194400547, 1e-9, "row0 t1"); // −0.98762589...
    close(t[1][0].loss, 0.04 * 0.1931471805599453, 1e-9, "row1 t0"); // 0.0077258872
    close(t[5][0].loss, 2 * a, 1e-9, "row5 t0");
    assert.ok(t.flat().every((x) => x.ratio === 1 && !x.lowClipped && !x.highClipped && !x.clipped69));
  });

  it("faithful aggregates for every loss_type", () => {
    // row sums: r0 = −2A1 + .04·k3(2); r1 = .04·k3(½); r2 = 2A1; r3 = −a; r4 = −2a + .04(k3(2)+k3(½)) = −2a + .02; r5 = 2a
    // mb1 sum = .04(k3(2) + k3(½)) = .04 × 0.5 = 0.02 (advantages cancel); mb2 sum = −a + 0.02
    const L = losses(tokens(false, 0.2));
    // bnpo = (0.02/5)/2 + ((0.02 − a)/4)/2 = 0.002 − 0.0696646172 = −0.06766461722258532 (= TRL@69ad852e)
    close(aggregateLoss(L, mask, "bnpo", layout), -0.06766461722258532, 1e-9, "bnpo");
    // grpo: mb1 (r0/2 + r1 + r2/2)/3 = (.04·k3(2)/2 + .04·k3(½))/3 = 0.0138629436/3; mb2 (−a + (−2a+.02)/2 + 2a)/3 = .01/3
    close(aggregateLoss(L, mask, "grpo", layout), (0.0138629436111989 / 3 + 0.01 / 3) / 2, 1e-9, "grpo");
    // dr_grpo = (0.04 − a)/(3·4·2) ; dapo = (0.04 − a)/9
    close(aggregateLoss(L, mask, "dr_grpo", layout), (0.04 - a) / 24, 1e-9, "dr_grpo");
    close(aggregateLoss(L, mask, "dapo", layout), (0.04 - a) / 9, 1e-9, "dapo");
  });

  it("fixed mode (μ = 2, ε_low 0.2, ε_high 0.28): clipped per-token losses", () => {
    const t = tokens(true, 0.28);
    close(t[0][0].loss, -1.28 * A1, 1e-9, "row0 t0: ρ=1.5 > 1.28, A>0 → −1.28A");
    close(t[2][0].loss, 0.8 * A1, 1e-9, "row2 t0: ρ=0.5, A<0 → min(−.5A1, −.8A1) → +0.8A1");
    close(t[2][1].loss, 1.5 * A1, 1e-9, "row2 t1: ρ=1.5, A<0 → unclipped −1.5A wins → +1.5A1");
    close(t[3][0].loss, -1.25 * a, 1e-9, "row3 t0: ρ=1.25 inside [0.8, 1.28]");
    close(t[5][0].loss, 1.6 * a, 1e-9, "row5 t0: ρ=0.7 < 0.8, A=−2a → +0.8·2a");
  });

  it("fixed aggregates for every loss_type", () => {
    // rows: r0 = −2.28A1 + .04k3(2) = −2.2674979100; r1 = 0.0077258872; r2 = 2.3A1 = 2.2997700230
    //       r3 = −1.25a = −0.7216461722; r4 = −2a + .02 = −1.1346338756; r5 = 1.6a = 0.9237071004
    // mb1 = 0.0399980002, mb2 = −0.9325729474
    const L = losses(tokens(true, 0.28));
    close(aggregateLoss(L, mask, "bnpo", layout), 0.0399980002 / 10 - 0.9325729474 / 8, 1e-8, "bnpo");
    // grpo: mb1 (r0/2 + r1 + r2/2)/3 = 0.0079539800; mb2 (r3 + r4/2 + r5)/3 = −0.1217520058
    close(aggregateLoss(L, mask, "grpo", layout), (0.00795398 - 0.1217520058) / 2, 1e-8, "grpo");
    close(aggregateLoss(L, mask, "dr_grpo", layout), (0.0399980002 - 0.9325729474) / 24, 1e-8, "dr_grpo");
    close(aggregateLoss(L, mask, "dapo", layout), (0.0399980002 - 0.9325729474) / 9, 1e-8, "dapo");
  });

  it("masked tokens do not count (mask_truncated_completions / drop_zero_std_groups)", () => {
    const L = losses(tokens(false, 0.2));
    const m = mask.map((r, i) => r.map(() => (i < 3 ? 0 : 1)));
    // mb1 contributes 0 (Σm clamped to 1); mb2 bnpo = ((0.02 − a)/4)/2
    close(aggregateLoss(L, m, "bnpo", layout), (0.02 - a) / 8, 1e-9, "bnpo");
  });
});

describe("KL and clip metrics (worked example)", () => {
  const mbs = (t: TokenLoss[][], mode: "faithful" | "fixed") =>
    meanMetrics([
      microBatchMetrics(t.slice(0, 3), mask.slice(0, 3), mode),
      microBatchMetrics(t.slice(3), mask.slice(3), mode),
    ]);

  it("faithful kl = mean over sequences of token-mean k3 (TRL@69ad852e)", () => {
    // per-sequence: r0 k3(2)/2 = .1534264097, r1 .1931471806, r2 0 → mb1 .1155245301; r3 0, r4 (k3(2)+k3(½))/2 = .25, r5 0 → .0833333333
    const m = mbs(tokens(false, 0.2), "faithful");
    close(m.kl, (0.1155245300666667 + 0.25 / 3) / 2, 1e-9, "kl");
    assert.equal(m.clip_ratio + m.low + m.high + m.region, 0);
  });

  it("fixed kl = token mean of k3 per micro-batch; clip ratios as current TRL", () => {
    // mb1: 0.5/5 = 0.1; mb2: 0.5/4 = 0.125 → 0.1125
    const m = mbs(tokens(true, 0.28), "fixed");
    close(m.kl, 0.1125, 1e-9, "kl");
    // low: mb1 1/5 (row2 t0), mb2 1/4 (row5) → 0.225; high: mb1 1/5 (row0 t0) → 0.1; region 0.325
    close(m.low, 0.225, 1e-12, "low");
    close(m.high, 0.1, 1e-12, "high");
    close(m.region, 0.325, 1e-12, "region");
    // TRL@69ad852e clip_ratio (ρA < clip(ρ)A): only row2 t1 (−1.5A1 < −1.28A1) → mb1 1/5 → 0.1
    close(m.clip_ratio, 0.1, 1e-12, "clip_ratio");
  });
});

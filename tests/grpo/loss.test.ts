/**
 * The GRPO loss (src/grpo/loss.ts) against a worked example computed by hand: the numbers below come from the
 * arithmetic in the comments, not from the code.
 *
 * Two groups of G = 3 (advantages from tests/grpo/algos.test.ts):
 *   A1 = 1/(1 + 1e-4) = 0.999900009999 → group 1: A1, 0, −A1
 *   a = 1/(√3 + 1e-4) = 0.5773169377806823 → group 2: a, a, −2a
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
 * Faithful mode has μ = 1, so π_old = π_θ and ρ ≡ 1; fixed mode uses the ρ above with ε_low 0.2, ε_high 0.28.
 *
 * The loss runs in float32 (tfjs has no float64), so results are compared to 1e-7 rather than exactly: a few
 * float32 roundings of values below 3 (the largest error measured on the cpu backend is under 1e-7).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import type { GrpoMode, LossType } from "../../src/grpo/config";
import { LOSS_METRICS, microBatchLossTensor } from "../../src/grpo/loss";

const TOL = 1e-7;
const close = (got: number, want: number, what: string, tol = TOL) =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want}`);

const A1 = 0.999900009999;
const a = 0.5773169377806823;
const K3_2 = 0.3068528194400547;
const K3_HALF = 0.1931471805599453;
const ratios = [[1.5, 1], [0.5], [0.5, 1.5], [1.25], [1, 1], [0.7]];
const qs = [[1, 2], [0.5], [1, 1], [1], [2, 0.5], [1]];
const advantages = [A1, 0, -A1, a, a, -2 * a];
const MICRO_BATCHES = [
  [0, 1, 2],
  [3, 4, 5],
];

/** Rows padded to T = 2 with `fill`. */
const pad = (rows: number[][], fill = 0) => rows.map((r) => [...r, ...Array(2 - r.length).fill(fill)]);

type Metrics = Record<(typeof LOSS_METRICS)[number], number>;

interface Case {
  rows: number[];
  mode: GrpoMode;
  lossType: LossType;
  /** Rows whose tokens the mask drops. */
  masked?: number[];
  numMicroBatches?: number;
  stepTokens?: number;
  entropy?: number[][];
}

/**
 * One micro-batch of the example through the loss, with logp = 0 (so old = −ln ρ gives ratio ρ and
 * ref = ln q gives ref − logp = ln q). Checks that no tensor leaks.
 */
function microBatch(c: Case): { loss: number; metrics: Metrics } {
  const before = tf.memory().numTensors;
  const fixed = c.mode === "fixed";
  const logp = tf.zeros([c.rows.length, 2]) as tf.Tensor2D;
  const mask = tf.tensor2d(pad(c.rows.map((i) => ratios[i].map(() => (c.masked?.includes(i) ? 0 : 1)))));
  const oldLogp = fixed ? tf.tensor2d(pad(c.rows.map((i) => ratios[i].map((r) => -Math.log(r))))) : null;
  const refLogp = tf.tensor2d(pad(c.rows.map((i) => qs[i].map(Math.log))));
  const adv = tf.tensor1d(c.rows.map((i) => advantages[i]));
  const entropy = c.entropy ? tf.tensor2d(c.entropy) : null;
  const out = microBatchLossTensor(
    { logp, mask, oldLogp, refLogp, advantages: adv, entropy },
    {
      beta: 0.04,
      epsLow: 0.2,
      epsHigh: fixed ? 0.28 : 0.2,
      lossType: c.lossType,
      mode: c.mode,
      numMicroBatches: c.numMicroBatches ?? 2,
      maxCompletionLength: 4,
      stepTokens: c.stepTokens ?? 9,
    },
  );
  const loss = out.loss.dataSync()[0];
  const values = Array.from(out.metrics.dataSync());
  for (const t of [logp, mask, oldLogp, refLogp, adv, entropy, out.loss, out.metrics]) t?.dispose();
  assert.equal(tf.memory().numTensors, before, "no leaked tensors");
  return { loss, metrics: Object.fromEntries(LOSS_METRICS.map((k, i) => [k, values[i]])) as Metrics };
}

/** The step loss: the sum of the two micro-batches' shares. */
const stepLoss = (mode: GrpoMode, lossType: LossType, masked?: number[]) =>
  MICRO_BATCHES.reduce((sum, rows) => sum + microBatch({ rows, mode, lossType, masked }).loss, 0);

/** One token alone (a micro-batch of one row, one token, bnpo, M = 1): its loss is the per-token loss. */
function tokenLoss(mode: GrpoMode, row: number, t: number): number {
  const fixed = mode === "fixed";
  const logp = tf.zeros([1, 1]) as tf.Tensor2D;
  const mask = tf.ones([1, 1]) as tf.Tensor2D;
  const oldLogp = fixed ? tf.tensor2d([[-Math.log(ratios[row][t])]]) : null;
  const refLogp = tf.tensor2d([[Math.log(qs[row][t])]]);
  const adv = tf.tensor1d([advantages[row]]);
  const out = microBatchLossTensor(
    { logp, mask, oldLogp, refLogp, advantages: adv },
    {
      beta: 0.04,
      epsLow: 0.2,
      epsHigh: fixed ? 0.28 : 0.2,
      lossType: "bnpo",
      mode,
      numMicroBatches: 1,
      maxCompletionLength: 4,
      stepTokens: 1,
    },
  );
  const loss = out.loss.dataSync()[0];
  for (const x of [logp, mask, oldLogp, refLogp, adv, out.loss, out.metrics]) x?.dispose();
  return loss;
}

describe("GRPO per-token loss (worked example)", () => {
  it("faithful (μ = 1 → ρ ≡ 1): l = −A + β·k3", async () => {
    await tf.setBackend("cpu");
    close(tokenLoss("faithful", 0, 0), -A1, "row0 t0");
    close(tokenLoss("faithful", 0, 1), -A1 + 0.04 * K3_2, "row0 t1"); // −0.98762589...
    close(tokenLoss("faithful", 1, 0), 0.04 * K3_HALF, "row1 t0"); // 0.0077258872
    close(tokenLoss("faithful", 5, 0), 2 * a, "row5 t0");
  });

  it("fixed (μ = 2, ε_low 0.2, ε_high 0.28): the clipped objective per token", async () => {
    await tf.setBackend("cpu");
    close(tokenLoss("fixed", 0, 0), -1.28 * A1, "row0 t0: ρ=1.5 > 1.28, A>0 → −1.28A");
    close(tokenLoss("fixed", 2, 0), 0.8 * A1, "row2 t0: ρ=0.5, A<0 → min(−.5A1, −.8A1) → +0.8A1");
    close(tokenLoss("fixed", 2, 1), 1.5 * A1, "row2 t1: ρ=1.5, A<0 → unclipped −1.5A wins → +1.5A1");
    close(tokenLoss("fixed", 3, 0), -1.25 * a, "row3 t0: ρ=1.25 inside [0.8, 1.28]");
    close(tokenLoss("fixed", 5, 0), 1.6 * a, "row5 t0: ρ=0.7 < 0.8, A=−2a → +0.8·2a");
  });
});

describe("GRPO loss aggregation per loss_type (worked example)", () => {
  it("faithful, every loss_type", async () => {
    await tf.setBackend("cpu");
    // row sums: r0 = −2A1 + .04·k3(2); r1 = .04·k3(½); r2 = 2A1; r3 = −a; r4 = −2a + .04(k3(2)+k3(½)) = −2a + .02; r5 = 2a
    // mb1 sum = .04(k3(2) + k3(½)) = .04 × 0.5 = 0.02 (advantages cancel); mb2 sum = −a + 0.02
    // bnpo = (0.02/5)/2 + ((0.02 − a)/4)/2 = 0.002 − 0.0696646172 = −0.06766461722258532 (= TRL@69ad852e)
    close(stepLoss("faithful", "bnpo"), -0.06766461722258532, "bnpo");
    // grpo: mb1 (r0/2 + r1 + r2/2)/3 = (.04·k3(2)/2 + .04·k3(½))/3 = 0.0138629436/3; mb2 (−a + (−2a+.02)/2 + 2a)/3 = .01/3
    close(stepLoss("faithful", "grpo"), (0.0138629436111989 / 3 + 0.01 / 3) / 2, "grpo");
    // dr_grpo = (0.04 − a)/(3·4·2); dapo = (0.04 − a)/9
    close(stepLoss("faithful", "dr_grpo"), (0.04 - a) / 24, "dr_grpo");
    close(stepLoss("faithful", "dapo"), (0.04 - a) / 9, "dapo");
  });

  it("fixed, every loss_type", async () => {
    await tf.setBackend("cpu");
    // rows: r0 = −2.28A1 + .04k3(2) = −2.2674979100; r1 = 0.0077258872; r2 = 2.3A1 = 2.2997700230
    //       r3 = −1.25a = −0.7216461722; r4 = −2a + .02 = −1.1346338756; r5 = 1.6a = 0.9237071004
    // mb1 = 0.0399980002, mb2 = −0.9325729474
    close(stepLoss("fixed", "bnpo"), 0.0399980002 / 10 - 0.9325729474 / 8, "bnpo");
    // grpo: mb1 (r0/2 + r1 + r2/2)/3 = 0.0079539800; mb2 (r3 + r4/2 + r5)/3 = −0.1217520058
    close(stepLoss("fixed", "grpo"), (0.00795398 - 0.1217520058) / 2, "grpo");
    close(stepLoss("fixed", "dr_grpo"), (0.0399980002 - 0.9325729474) / 24, "dr_grpo");
    close(stepLoss("fixed", "dapo"), (0.0399980002 - 0.9325729474) / 9, "dapo");
  });

  it("masked tokens do not count (mask_truncated_completions / drop_zero_std_groups)", async () => {
    await tf.setBackend("cpu");
    // mb1 contributes 0 (Σm clamped to 1); mb2 bnpo = ((0.02 − a)/4)/2
    close(stepLoss("faithful", "bnpo", [0, 1, 2]), (0.02 - a) / 8, "bnpo");
  });

  it("the gradient of bnpo at ρ ≡ 1 is (−A + β(1 − q)) / (tokens · M)", async () => {
    await tf.setBackend("cpu");
    const v = tf.variable(tf.zeros([3, 2]), true, "logp_grad_test");
    const mask = tf.tensor2d(pad(ratios.slice(0, 3).map((r) => r.map(() => 1))));
    const ref = tf.tensor2d(pad(qs.slice(0, 3).map((r) => r.map(Math.log))));
    const adv = tf.tensor1d(advantages.slice(0, 3));
    const { grads, value } = tf.variableGrads(() => {
      const out = microBatchLossTensor(
        { logp: v as unknown as tf.Tensor2D, mask, oldLogp: null, refLogp: ref, advantages: adv },
        {
          beta: 0.04,
          epsLow: 0.2,
          epsHigh: 0.2,
          lossType: "bnpo",
          mode: "faithful",
          numMicroBatches: 2,
          maxCompletionLength: 4,
          stepTokens: 9,
        },
      );
      out.metrics.dispose();
      return out.loss;
    });
    const g = grads[v.name].arraySync() as number[][];
    // row0 t1: A1 = 0.9999, q = 2 → (−0.9999 − 0.04)/(5·2) = −0.1039900; row1 t0: (0 + 0.04·0.5)/10 = 0.002
    close(g[0][1], (-A1 - 0.04) / 10, "g[0][1]", 1e-7);
    close(g[1][0], 0.002, "g[1][0]", 1e-7);
    assert.equal(g[1][1], 0, "padding gets no gradient");
    for (const t of [v, mask, ref, adv, value, ...Object.values(grads)]) t.dispose();
  });
});

describe("GRPO loss metrics (worked example)", () => {
  it("faithful: kl is the mean over sequences of each one's token-mean k3 (TRL@69ad852e); nothing clips", async () => {
    await tf.setBackend("cpu");
    const [mb1, mb2] = MICRO_BATCHES.map(
      (rows) => microBatch({ rows, mode: "faithful", lossType: "bnpo" }).metrics,
    );
    // per sequence: r0 k3(2)/2 = .1534264097, r1 k3(½) = .1931471806, r2 0 → mb1 .1155245301
    close(mb1.kl, (K3_2 / 2 + K3_HALF) / 3, "mb1 kl");
    // r3 0, r4 (k3(2) + k3(½))/2 = .25, r5 0 → mb2 .0833333333
    close(mb2.kl, 0.25 / 3, "mb2 kl");
    for (const m of [mb1, mb2]) assert.deepEqual([m.clip_ratio, m.low, m.high], [0, 0, 0]);
    close(mb1.loss, 0.02 / 5 / 2, "mb1 loss (its share of bnpo)");
  });

  it("fixed: kl is the token mean of k3; clip ratios as current TRL and TRL@69ad852e", async () => {
    await tf.setBackend("cpu");
    const [mb1, mb2] = MICRO_BATCHES.map(
      (rows) => microBatch({ rows, mode: "fixed", lossType: "bnpo" }).metrics,
    );
    // kl: mb1 (k3(2) + k3(½))/5 = 0.5/5 = 0.1; mb2 0.5/4 = 0.125
    close(mb1.kl, 0.1, "mb1 kl");
    close(mb2.kl, 0.125, "mb2 kl");
    // low (ρ < 0.8, A < 0): mb1 row2 t0 → 1/5; mb2 row5 → 1/4. high (ρ > 1.28, A > 0): mb1 row0 t0 → 1/5; mb2 none
    close(mb1.low, 1 / 5, "mb1 low");
    close(mb2.low, 1 / 4, "mb2 low");
    close(mb1.high, 1 / 5, "mb1 high");
    close(mb2.high, 0, "mb2 high");
    // TRL@69ad852e clip_ratio (ρA < clip(ρ)A: the unclipped objective strictly the minimum): only row2 t1
    // (−1.5A1 < −1.28A1) → mb1 1/5; row5 (ρ = 0.7, A = −2a): ρA = −1.4a is not < clip(ρ)A = −1.6a → mb2 0
    close(mb1.clip_ratio, 1 / 5, "mb1 clip_ratio");
    close(mb2.clip_ratio, 0, "mb2 clip_ratio");
  });

  it("entropy is the token mean over the kept tokens; NaN when not computed", async () => {
    await tf.setBackend("cpu");
    // rows 0..2 have tokens (2, 1, 2); padding entropies (9) must not count: (1 + 2 + 3 + 4 + 5)/5 = 3
    const { metrics } = microBatch({
      rows: [0, 1, 2],
      mode: "faithful",
      lossType: "bnpo",
      entropy: [
        [1, 2],
        [3, 9],
        [4, 5],
      ],
    });
    close(metrics.entropy, 3, "entropy");
    assert.ok(Number.isNaN(microBatch({ rows: [0], mode: "faithful", lossType: "bnpo" }).metrics.entropy));
  });
});

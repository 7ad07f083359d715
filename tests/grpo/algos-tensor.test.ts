import assert from "node:assert/strict";
import { describe, it } from "node:test";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { aggregateLoss, tokenLoss } from "../../src/grpo/algos";
import { microBatchLossTensor } from "../../src/grpo/algos-tensor";
import type { LossType } from "../../src/grpo/config";
import { microBatchMetrics } from "../../src/grpo/loss-metrics";

// The worked example of algos.test.ts, padded to T = 2 (0 = padding).
const A1 = 0.999900009999;
const a = 0.5773169377806823;
const ratios = [[1.5, 1], [0.5], [0.5, 1.5], [1.25], [1, 1], [0.7]];
const qs = [[1, 2], [0.5], [1, 1], [1], [2, 0.5], [1]];
const adv = [A1, 0, -A1, a, a, -2 * a];
const pad = (rows: number[][]) => rows.map((r) => [...r, ...Array(2 - r.length).fill(0)]);
const maskRows = pad(ratios.map((r) => r.map(() => 1)));

function lossFor(
  lossType: LossType,
  useOld: boolean,
  mode: "faithful" | "fixed",
): { loss: number; kl: number[] } {
  const stepTokens = 9;
  let loss = 0;
  const kl: number[] = [];
  for (const rows of [
    [0, 1, 2],
    [3, 4, 5],
  ]) {
    const logp = tf.zeros([3, 2]) as tf.Tensor2D;
    const mask = tf.tensor2d(rows.map((i) => maskRows[i]));
    const old = useOld ? tf.tensor2d(pad(rows.map((i) => ratios[i].map((r) => -Math.log(r))))) : null;
    const ref = tf.tensor2d(pad(rows.map((i) => qs[i].map(Math.log))));
    const advantages = tf.tensor1d(rows.map((i) => adv[i]));
    const out = microBatchLossTensor(
      { logp, mask, oldLogp: old, refLogp: ref, advantages },
      {
        beta: 0.04,
        epsLow: 0.2,
        epsHigh: 0.28,
        lossType,
        mode,
        numMicroBatches: 2,
        maxCompletionLength: 4,
        stepTokens,
      },
    );
    loss += out.loss.dataSync()[0];
    kl.push(out.metrics.dataSync()[1]);
    for (const t of [logp, mask, old, ref, advantages, out.loss, out.metrics]) t?.dispose();
  }
  return { loss, kl };
}

describe("microBatchLossTensor matches the numeric worked example", () => {
  for (const lossType of ["grpo", "bnpo", "dr_grpo", "dapo"] as const) {
    for (const [mode, useOld] of [
      ["faithful", false],
      ["fixed", true],
    ] as const) {
      it(`${lossType}, ${mode}`, async () => {
        await tf.setBackend("cpu");
        const before = tf.memory().numTensors;
        const tokens = ratios.map((row, i) =>
          row.map((rho, t) =>
            tokenLoss(
              {
                logp: 0,
                oldLogp: useOld ? -Math.log(rho) : 0,
                refLogp: Math.log(qs[i][t]),
                advantage: adv[i],
              },
              0.2,
              0.28,
              0.04,
            ),
          ),
        );
        const want = aggregateLoss(
          tokens.map((r) => r.map((x) => x.loss)),
          ratios.map((r) => r.map(() => 1)),
          lossType,
          {
            microBatchSize: 3,
            maxCompletionLength: 4,
          },
        );
        const got = lossFor(lossType, useOld, mode);
        assert.ok(Math.abs(got.loss - want) < 1e-6, `loss ${got.loss} vs ${want}`);
        const m1 = microBatchMetrics(
          tokens.slice(0, 3),
          ratios.slice(0, 3).map((r) => r.map(() => 1)),
          mode,
        );
        assert.ok(Math.abs(got.kl[0] - m1.kl) < 1e-6, `kl ${got.kl[0]} vs ${m1.kl}`);
        assert.equal(tf.memory().numTensors, before, "no leaked tensors");
      });
    }
  }

  it("gradient of bnpo at ρ ≡ 1 is (−A + β(1 − q)) / (tokens · M)", async () => {
    await tf.setBackend("cpu");
    const v = tf.variable(tf.zeros([3, 2]), true, "logp_grad_test");
    const mask = tf.tensor2d(maskRows.slice(0, 3));
    const ref = tf.tensor2d(pad(qs.slice(0, 3).map((r) => r.map(Math.log))));
    const advantages = tf.tensor1d(adv.slice(0, 3));
    const { grads, value } = tf.variableGrads(() => {
      const o = microBatchLossTensor(
        { logp: v as unknown as tf.Tensor2D, mask, oldLogp: null, refLogp: ref, advantages },
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
      o.metrics.dispose();
      return o.loss;
    });
    const g = grads[v.name].arraySync() as number[][];
    // row0 t1: A1 = 0.9999, q = 2 → (−0.9999 − 0.04)/(5·2) = −0.1039900; row1 t0: (0 + 0.04·0.5)/10 = 0.002
    assert.ok(Math.abs(g[0][1] - (-A1 - 0.04) / 10) < 1e-7, `g[0][1] = ${g[0][1]}`);
    assert.ok(Math.abs(g[1][0] - 0.002) < 1e-7, `g[1][0] = ${g[1][0]}`);
    assert.equal(g[1][1], 0, "padding gets no gradient");
    for (const t of [v, mask, ref, advantages, value, ...Object.values(grads)]) t.dispose();
  });
});

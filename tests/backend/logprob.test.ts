import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { headTokenLogProbs, tokenLogProbs } from "../../src/backend/logprob";
import { maxAbsErr, scaledErr, useBackend } from "./setup";

/** Plain-ops reference: Σ_i w_i · logSoftmax(x)[i, t_i]. */
function plainLoss(logits: tf.Tensor, targets: number[], w: tf.Tensor): tf.Scalar {
  const oh = tf.cast(tf.oneHot(targets, logits.shape[1] as number), "float32");
  return tf.sum(tf.mul(tf.sum(tf.mul(tf.logSoftmax(logits), oh), -1), w)) as tf.Scalar;
}

const TARGETS = [1, 3, 0, 6, 2];

describe("fused token log-prob", () => {
  it("equals log softmax at the target on a hand-computed example", async () => {
    await useBackend("wasm");
    const lp = tf.tidy(() => tokenLogProbs(tf.tensor2d([0, Math.log(3), 1000, 1000], [2, 2]), [1, 0]));
    // Row 0: softmax([0, ln 3]) = [1/4, 3/4] → ln(3/4). Row 1: two equal logits → ln(1/2), no overflow.
    const v = lp.dataSync();
    assert.ok(Math.abs(v[0] - Math.log(0.75)) < 1e-6, `row 0: ${v[0]}`);
    assert.ok(Math.abs(v[1] - Math.log(0.5)) < 1e-6, `row 1: ${v[1]}`);
    lp.dispose();
  });

  for (const be of ["wasm", "cpu"] as const) {
    it(`value and gradient match logSoftmax + oneHot (${be})`, async () => {
      await useBackend(be);
      const n0 = tf.memory().numTensors;
      const [ev, eg] = tf.tidy(() => {
        const x = tf.randomNormal([5, 7], 0, 3, "float32", 11);
        const w = tf.tensor1d([1, -2, 0.5, 3, -1]);
        const fused = (l: tf.Tensor) =>
          tf.sum(tf.mul(tokenLogProbs(l as tf.Tensor2D, TARGETS), w)) as tf.Scalar;
        const plain = (l: tf.Tensor) => plainLoss(l, TARGETS, w);
        return [
          maxAbsErr(fused(x).dataSync(), plain(x).dataSync()),
          scaledErr(tf.grad(fused)(x).dataSync(), tf.grad(plain)(x).dataSync()),
        ];
      });
      assert.ok(ev < 1e-5, `value error ${ev}`);
      assert.ok(eg < 1e-5, `gradient error ${eg}`);
      assert.equal(tf.memory().numTensors, n0);
    });

    it(`fused head (chunked, recomputed backward) matches h @ w + plain ops (${be})`, async () => {
      await useBackend(be);
      const n0 = tf.memory().numTensors;
      const errs = tf.tidy(() => {
        const h = tf.randomNormal([5, 4], 0, 1, "float32", 12);
        const wt = tf.randomNormal([4, 7], 0, 1, "float32", 13);
        const w = tf.tensor1d([1, -2, 0.5, 3, -1]);
        // chunkElems 14 → 2 rows per chunk → chunks of 2, 2, 1 rows.
        const fused = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(
            tf.mul(
              headTokenLogProbs(a as tf.Tensor2D, b as tf.Tensor2D, TARGETS, { chunkElems: 14 }).logprobs,
              w,
            ),
          ) as tf.Scalar;
        const plain = (a: tf.Tensor, b: tf.Tensor) =>
          plainLoss(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), TARGETS, w);
        const gf = tf.grads(fused)([h, wt]);
        const gp = tf.grads(plain)([h, wt]);
        return [
          maxAbsErr(fused(h, wt).dataSync(), plain(h, wt).dataSync()),
          scaledErr(gf[0].dataSync(), gp[0].dataSync()),
          scaledErr(gf[1].dataSync(), gp[1].dataSync()),
        ];
      });
      for (const e of errs) assert.ok(e < 1e-5, `error ${e}`);
      assert.equal(tf.memory().numTensors, n0);
    });
  }

  it("entropy equals −Σ p log p and is the same chunked or not", async () => {
    await useBackend("wasm");
    const n0 = tf.memory().numTensors;
    const [e1, e2] = tf.tidy(() => {
      const h = tf.randomNormal([5, 4], 0, 1, "float32", 14) as tf.Tensor2D;
      const wt = tf.randomNormal([4, 7], 0, 2, "float32", 15) as tf.Tensor2D;
      const logits = tf.matMul(h, wt);
      const ref = tf.neg(tf.sum(tf.mul(tf.softmax(logits), tf.logSoftmax(logits)), -1));
      const a = headTokenLogProbs(h, wt, TARGETS, { withEntropy: true, chunkElems: 7 }).entropy!;
      const b = headTokenLogProbs(h, wt, TARGETS, { withEntropy: true }).entropy!;
      return [maxAbsErr(a.dataSync(), ref.dataSync()), maxAbsErr(b.dataSync(), ref.dataSync())];
    });
    assert.ok(e1 < 1e-5 && e2 < 1e-5, `entropy errors ${e1}, ${e2}`);
    assert.equal(tf.memory().numTensors, n0);
  });

  it("rejects a target count that does not match the rows", () => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    assert.throws(() => tokenLogProbs(x, [0]), /1 targets for 2 rows/);
    x.dispose();
  });
});

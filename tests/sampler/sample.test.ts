import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  argmax,
  kthLargest,
  logSoftmaxAt,
  nucleus,
  sampleToken,
  topLogProbs,
} from "../../src/sampler/sample";
import { Rng } from "../../src/util/rng";

describe("token sampling", () => {
  it("argmax takes the first maximum", () => {
    assert.equal(argmax([1, 5, 5, 2]), 1);
  });

  it("kthLargest by quickselect", () => {
    const xs = [3, 9, 1, 7, 7, 2];
    assert.deepEqual(
      [1, 2, 3, 4, 6].map((k) => kthLargest(xs, k)),
      [9, 7, 7, 3, 1],
    );
  });

  it("log softmax at a token: softmax([0, ln 3]) = [1/4, 3/4]", () => {
    assert.ok(Math.abs(logSoftmaxAt([0, Math.log(3)], 1) - Math.log(0.75)) < 1e-12);
    assert.ok(Math.abs(logSoftmaxAt([1000, 1000 + Math.log(3)], 0) - Math.log(0.25)) < 1e-9);
  });

  it("nucleus keeps the smallest most-likely prefix reaching topP", () => {
    const w = Float64Array.from([0.1, 0.5, 0.2, 0.2]);
    assert.deepEqual(nucleus(w, 0.5), [1]); // 0.5 ≥ 0.5·1.0
    assert.deepEqual(nucleus(w, 0.6), [1, 2]); // 0.5 + 0.2 (tie broken by index)
    assert.deepEqual(nucleus(w, 1), [1, 2, 3, 0]);
    // A long tail below the first threshold is still reached when needed.
    const tail = new Float64Array(1000).fill(1e-5);
    tail[0] = 1;
    // total 1.00999; need 0.995 · 1.00999 = 1.00494005 → 1 + 495·1e-5 is the first prefix to reach it.
    assert.equal(nucleus(tail, 0.995).length, 496);
  });

  it("temperature 0 and topK 1 are greedy; temperature 0 draws no randomness", () => {
    const rng = new Rng(1);
    const s = rng.getState();
    assert.equal(sampleToken([0.1, 2, 0.3], { temperature: 0, topK: 0, topP: 1 }, rng), 1);
    assert.deepEqual(rng.getState(), s);
    for (let i = 0; i < 20; i++)
      assert.equal(sampleToken([0.1, 2, 0.3], { temperature: 1, topK: 1, topP: 1 }, rng), 1);
  });

  it("samples in proportion to softmax(logits / T)", () => {
    const rng = new Rng(7);
    const count = (t: number) => {
      let ones = 0;
      for (let i = 0; i < 4000; i++)
        ones += sampleToken([0, Math.log(3)], { temperature: t, topK: 0, topP: 1 }, rng);
      return ones / 4000;
    };
    assert.ok(Math.abs(count(1) - 0.75) < 0.03); // p = 3/4
    assert.ok(Math.abs(count(2) - Math.sqrt(3) / (1 + Math.sqrt(3))) < 0.03); // weights 1 : 3^(1/2)
  });

  it("top-k and top-p never return excluded tokens", () => {
    const rng = new Rng(3);
    const row = [0, 1, 2, 3, 4];
    for (let i = 0; i < 300; i++) {
      assert.ok(sampleToken(row, { temperature: 5, topK: 2, topP: 1 }, rng) >= 3);
      // softmax(row): p4 ≈ 0.636, p3 ≈ 0.234 → topP 0.8 keeps {4, 3}
      assert.ok(sampleToken(row, { temperature: 1, topK: 0, topP: 0.8 }, rng) >= 3);
    }
  });

  it("topLogProbs: logits [0, ln 3, 0, ln 4] → probabilities [1/9, 3/9, 1/9, 4/9], most likely first", () => {
    const row = [0, Math.log(3), 0, Math.log(4)];
    const top = topLogProbs(row, 3);
    assert.deepEqual(
      top.map(([id]) => id),
      [3, 1, 0], // ties (ids 0 and 2, p = 1/9) keep the lower id
    );
    const want = [4 / 9, 3 / 9, 1 / 9];
    for (const [i, [, lp]] of top.entries()) assert.ok(Math.abs(lp - Math.log(want[i])) < 1e-12);
    assert.deepEqual(topLogProbs(row, 0), []);
    assert.equal(topLogProbs(row, 10).length, 4);
  });
});

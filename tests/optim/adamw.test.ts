import assert from "node:assert/strict";
import { describe, it } from "node:test";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { AdamW } from "../../src/optim/adamw";
import { globalGradNorm } from "../../src/optim/clip";

const opts = { adam_beta1: 0.9, adam_beta2: 0.999, adam_epsilon: 1e-8, weight_decay: 0.01 };

describe("AdamW (torch semantics)", () => {
  it("two hand-computed steps with decoupled weight decay", async () => {
    await tf.setBackend("cpu");
    const p = tf.variable(tf.scalar(1), true, "p");
    const opt = new AdamW([p], opts);
    const g = tf.scalar(0.5);
    const before = tf.memory().numTensors;
    // step 1: p·(1 − 0.1·0.01) = 0.999; m = 0.05, v = 0.00025; m̂ = 0.5, √v̂ = 0.5 → p = 0.999 − 0.1 = 0.899
    opt.apply([g], 0.1);
    assert.ok(Math.abs(p.dataSync()[0] - 0.899) < 1e-6, `step 1: ${p.dataSync()[0]}`);
    // step 2: 0.899·0.999 = 0.898101; m = 0.095, bias1 = 0.19 → 0.5; v̂ = 0.00049975/0.001999 = 0.25 → p = 0.798101
    opt.apply([g], 0.1);
    assert.ok(Math.abs(p.dataSync()[0] - 0.798101) < 1e-6, `step 2: ${p.dataSync()[0]}`);
    assert.equal(tf.memory().numTensors, before, "no tensors leak per step");
    assert.equal(opt.step, 2);
    opt.dispose();
    p.dispose();
    g.dispose();
  });

  it("owns exactly its two moment variables per parameter: construct + dispose leaves nothing behind", async () => {
    await tf.setBackend("cpu");
    const vars = [tf.variable(tf.zeros([3, 2])), tf.variable(tf.zeros([4]))];
    const before = tf.memory().numTensors;
    const opt = new AdamW(vars, opts);
    assert.equal(tf.memory().numTensors, before + 4, "m and v for each of the 2 parameters, no temporaries");
    opt.dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(vars);
  });

  it("state round-trips: a restored optimizer continues bit-identically", async () => {
    await tf.setBackend("cpu");
    const mk = () => tf.variable(tf.tensor([0.3, -0.2, 0.7]), true);
    const g1 = tf.tensor([0.1, -0.5, 0.25]);
    const g2 = tf.tensor([-0.3, 0.2, 0.05]);
    const a = mk();
    const optA = new AdamW([a], opts);
    optA.apply([g1], 1e-2);
    const saved = optA.getState();
    const weights = Float32Array.from(a.dataSync() as Float32Array);
    optA.apply([g2], 1e-2, 0.5);
    const b = tf.variable(tf.tensor(weights), true);
    const optB = new AdamW([b], opts);
    optB.setState(saved);
    optB.apply([g2], 1e-2, 0.5);
    assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
    for (const x of [a, b, g1, g2]) x.dispose();
    optA.dispose();
    optB.dispose();
  });

  it("global grad norm and torch's clip coefficient", async () => {
    await tf.setBackend("cpu");
    const g = [tf.tensor([3, 4]), tf.tensor([12])];
    const { norm, coef } = globalGradNorm(g, 1); // √(9 + 16 + 144) = 13
    assert.ok(Math.abs(norm - 13) < 1e-5);
    assert.ok(Math.abs(coef - 1 / (13 + 1e-6)) < 1e-9);
    assert.equal(globalGradNorm(g, 100).coef, 1);
    assert.equal(globalGradNorm(g, 0).coef, 1, "max_grad_norm 0 disables clipping");
    for (const x of g) x.dispose();
  });
});

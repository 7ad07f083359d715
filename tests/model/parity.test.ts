import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { Qwen2ForCausalLM } from "../../src/model/qwen2";
import { maxAbsErr, scaledErr, useBackend } from "../backend/setup";

const FIXTURE = join(__dirname, "../fixtures/tiny-qwen2");
const PROMPTS = [[1, 17, 33, 5, 60], [3, 8], [9, 44, 12, 7], [2]];
const COMPLETIONS = [[21, 2, 40], [63, 0, 21, 21, 40, 11], [5], [7, 7, 30, 31]];
const ADV = [1.2, -0.7, 0.4, -1.5];

/**
 * A GRPO-like loss (PPO-clip ε = 0.2 plus k3 KL, β = 0.04, masked token mean) through completionLogProbs.
 * `old` and `ref` are fixed [B, Tc] arrays so that ratios differ from 1 and some clip.
 */
function grpoLoss(m: Qwen2ForCausalLM, old: number[][], ref: number[][]): tf.Scalar {
  const { logprobs, mask } = m.completionLogProbs(PROMPTS, COMPLETIONS);
  const ratio = tf.exp(tf.sub(logprobs, tf.tensor2d(old)));
  const adv = tf.tensor2d(ADV, [ADV.length, 1]);
  const surr = tf.minimum(tf.mul(ratio, adv), tf.mul(tf.clipByValue(ratio, 0.8, 1.2), adv));
  const d = tf.sub(tf.tensor2d(ref), logprobs);
  const kl = tf.sub(tf.sub(tf.exp(d), d), 1);
  const per = tf.sub(surr, tf.mul(kl, 0.04));
  return tf.neg(tf.div(tf.sum(tf.mul(per, mask)), tf.sum(mask))) as tf.Scalar;
}

/** Fixed old/ref log-probs: the model's own, shifted by deterministic offsets. */
function offsets(lp: number[][], scale: number): number[][] {
  const tc = Math.max(...COMPLETIONS.map((c) => c.length));
  return lp.map((row, i) =>
    Array.from({ length: tc }, (_, j) => (row[j] ?? 0) + scale * Math.sin(1 + i * 7 + j)),
  );
}

async function lossAndGrads(be: "cpu" | "wasm", old?: number[][], ref?: number[][]) {
  await useBackend(be);
  const m = await Qwen2ForCausalLM.fromPretrained(join(FIXTURE, "tied"));
  const lp = await m.tokenLogProbs(PROMPTS, COMPLETIONS);
  const o = old ?? offsets(lp, 0.15);
  const r = ref ?? offsets(lp, 0.3);
  const logits = m.forward([PROMPTS[0]]);
  const fwd = Float32Array.from(logits.dataSync());
  logits.dispose();
  const { value, grads } = tf.variableGrads(() => grpoLoss(m, o, r));
  const names = [...m.params.keys()];
  const g = new Map(
    m.trainableVariables().map((v, i) => [names[i], Float32Array.from(grads[v.name].dataSync())]),
  );
  const loss = value.dataSync()[0];
  value.dispose();
  tf.dispose(Object.values(grads));
  m.dispose();
  return { lp, old: o, ref: r, fwd, loss, grads: g };
}

describe("wasm vs cpu parity", () => {
  it("forward logits, log-probs, GRPO loss and every parameter's gradient agree (≤ 1e-5 relative)", async () => {
    const cpu = await lossAndGrads("cpu");
    const wasm = await lossAndGrads("wasm", cpu.old, cpu.ref);
    assert.ok(scaledErr(wasm.fwd, cpu.fwd) <= 1e-5, `forward: ${scaledErr(wasm.fwd, cpu.fwd)}`);
    assert.ok(maxAbsErr(wasm.lp.flat(), cpu.lp.flat()) <= 1e-5, "tokenLogProbs");
    assert.ok(
      Math.abs(wasm.loss - cpu.loss) <= 1e-5 * Math.max(1, Math.abs(cpu.loss)),
      `loss ${wasm.loss} vs ${cpu.loss}`,
    );
    assert.equal(wasm.grads.size, 26);
    for (const [name, gc] of cpu.grads) {
      const gw = wasm.grads.get(name)!;
      const err = scaledErr(gw, gc);
      // Relative to the gradient's scale (max |g|): elementwise ratios of near-zero entries are noise.
      assert.ok(err <= 1e-5, `${name}: max|Δg|/max|g| = ${err}`);
      assert.ok(
        gc.some((x) => x !== 0),
        `${name}: zero gradient`,
      );
    }
  });

  it("tf.memory().numTensors stays flat across 5 backward passes", async () => {
    await useBackend("wasm");
    const m = await Qwen2ForCausalLM.fromPretrained(join(FIXTURE, "tied"));
    const lp = await m.tokenLogProbs(PROMPTS, COMPLETIONS);
    const old = offsets(lp, 0.1);
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const { value, grads } = tf.variableGrads(() => {
        const r = m.completionLogProbs(PROMPTS, COMPLETIONS, { withEntropy: true });
        return tf.add(grpoLoss(m, old, old), tf.mul(tf.sum(r.entropy!), 0)) as tf.Scalar;
      });
      value.dispose();
      tf.dispose(Object.values(grads));
      assert.equal(tf.memory().numTensors, n0, `after backward ${i + 1}`);
    }
    m.dispose();
  });
});

describe("single attention slice", () => {
  it("backward works when B × KV heads = 1, and equals the same row inside a larger batch", async () => {
    await useBackend("wasm");
    const cfg = { vocab_size: 64, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 2 };
    const m = Qwen2ForCausalLM.random({ ...cfg, num_attention_heads: 4, num_key_value_heads: 1 }, 3);
    const gradOf = (rows: number) =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const r = m.completionLogProbs(Array(rows).fill([1, 2, 3]), Array(rows).fill([4, 5]));
          return tf.neg(tf.mean(r.logprobs)) as tf.Scalar;
        });
        return Object.values(grads).map((g) => Array.from(g.dataSync()));
      });
    const one = gradOf(1);
    const two = gradOf(2); // two identical rows: the mean loss, hence its gradient, is the same
    assert.equal(one.length, two.length);
    for (let i = 0; i < one.length; i++) assert.ok(maxAbsErr(one[i], two[i]) < 1e-6, `parameter ${i}`);
    m.dispose();
  });
});

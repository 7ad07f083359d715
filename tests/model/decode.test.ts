import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { DecodeSession } from "../../src/model/decode";
import { Qwen2ForCausalLM } from "../../src/model/qwen2";
import { logSoftmaxAt } from "../../src/sampler/sample";
import { maxAbsErr, useBackend } from "../backend/setup";

const FIXTURE = join(__dirname, "../fixtures/tiny-qwen2");
const V = 64;
const PROMPTS = [
  [1, 17, 33, 5, 60],
  [3, 8],
  [9, 44, 12, 7],
];
const CONT = [
  [21, 2, 40, 11, 5, 30],
  [63, 0, 21, 21, 40, 11],
  [5, 5, 60, 1, 17, 33],
];

/** Logits of the last position of one unpadded sequence, from a full forward pass. */
function lastLogits(m: Qwen2ForCausalLM, ids: number[]): Float32Array {
  const t = m.forward([ids]);
  const d = (t.dataSync() as Float32Array).slice((ids.length - 1) * V);
  t.dispose();
  return d;
}

for (const variant of ["tied", "untied"] as const) {
  describe(`KV-cache decoding (${variant})`, () => {
    let m: Qwen2ForCausalLM;
    before(async () => {
      await useBackend("wasm");
      m = await Qwen2ForCausalLM.fromPretrained(join(FIXTURE, variant));
    });
    after(() => m.dispose());

    it("decode-step logits equal full-forward logits (≤ 1e-4) for ragged, left-padded prompts", async () => {
      const { session, logits } = await DecodeSession.prefill(m, PROMPTS);
      let cur = logits;
      for (let step = 0; step <= CONT[0].length; step++) {
        PROMPTS.forEach((p, r) => {
          const full = lastLogits(m, [...p, ...CONT[r].slice(0, step)]);
          const err = maxAbsErr(cur.subarray(r * V, (r + 1) * V), full);
          assert.ok(err <= 1e-4, `row ${r} step ${step}: ${err}`);
        });
        if (step < CONT[0].length) cur = await session.step(CONT.map((c) => c[step]));
      }
      session.dispose();
    });

    it("a left-padded row gives the same logits as the unpadded row", () => {
      const padded = m.forward([[0, 0, 0, 3, 8, 63]], [[0, 0, 0, 1, 1, 1]]);
      const alone = m.forward([[3, 8, 63]]);
      const err = maxAbsErr((padded.dataSync() as Float32Array).slice(3 * V), alone.dataSync());
      assert.ok(err <= 1e-5, `padded vs unpadded: ${err}`);
      tf.dispose([padded, alone]);
    });

    it("completionLogProbs of a ragged batch equals per-sequence log softmax of forward logits", () => {
      const comps = CONT.map((c, i) => c.slice(0, 2 + 2 * i));
      const r = m.completionLogProbs(PROMPTS, comps, { withEntropy: true });
      assert.deepEqual(r.logprobs.shape, [3, 6]);
      const lp = r.logprobs.arraySync();
      const mask = r.mask.arraySync();
      PROMPTS.forEach((p, i) => {
        const seq = [...p, ...comps[i]];
        const t = m.forward([seq]);
        const lg = t.dataSync();
        t.dispose();
        for (let j = 0; j < 6; j++) {
          const real = j < comps[i].length;
          assert.equal(mask[i][j], real ? 1 : 0);
          if (!real) {
            assert.equal(lp[i][j], 0);
            continue;
          }
          const pos = p.length - 1 + j;
          const want = logSoftmaxAt(lg.subarray(pos * V, (pos + 1) * V), comps[i][j]);
          assert.ok(Math.abs(lp[i][j] - want) < 1e-5, `seq ${i} token ${j}: ${lp[i][j]} vs ${want}`);
        }
      });
      tf.dispose([r.logprobs, r.mask, r.entropy!]);
    });

    it("keepRows drops finished rows without changing the others", async () => {
      const a = await DecodeSession.prefill(m, PROMPTS);
      const b = await DecodeSession.prefill(m, PROMPTS);
      b.session.keepRows([2, 0]);
      const la = await a.session.step([CONT[0][0], CONT[1][0], CONT[2][0]]);
      const lb = await b.session.step([CONT[2][0], CONT[0][0]]);
      assert.ok(maxAbsErr(lb.subarray(0, V), la.subarray(2 * V)) <= 1e-5);
      assert.ok(maxAbsErr(lb.subarray(V), la.subarray(0, V)) <= 1e-5);
      a.session.dispose();
      b.session.dispose();
    });

    it("tf.memory().numTensors stays flat across 50 decode steps", async () => {
      m.decodeHead(); // the tied head's cached transpose exists from here on
      const n0 = tf.memory().numTensors;
      const { session } = await DecodeSession.prefill(m, PROMPTS);
      const n1 = tf.memory().numTensors;
      for (let s = 0; s < 50; s++) {
        await session.step([s % V, (3 * s) % V, (7 * s) % V]);
        assert.equal(tf.memory().numTensors, n1, `step ${s}`);
      }
      session.dispose();
      assert.equal(tf.memory().numTensors, n0);
    });
  });
}

describe("cached head transpose", () => {
  it("is invalidated when the embedding is assigned (optimizer update)", async () => {
    await useBackend("wasm");
    const m = await Qwen2ForCausalLM.fromPretrained(join(FIXTURE, "tied"));
    const first = await DecodeSession.prefill(m, [[1, 2, 3]]);
    first.session.dispose();
    tf.tidy(() => m.embed.assign(tf.mul(m.embed, 1.5)));
    const { session, logits } = await DecodeSession.prefill(m, [[1, 2, 3]]);
    session.dispose();
    assert.ok(maxAbsErr(logits, lastLogits(m, [1, 2, 3])) <= 1e-4, "decode used a stale head");
    assert.ok(maxAbsErr(logits, first.logits) > 1e-3, "the update changed nothing");
    m.dispose();
  });
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { Qwen2ForCausalLM } from "../../src/model/qwen2";
import { generate } from "../../src/sampler/generate";
import { argmax } from "../../src/sampler/sample";
import type { GenerateOptions } from "../../src/sampler/types";
import { Rng } from "../../src/util/rng";
import { useBackend } from "../backend/setup";

const FIXTURE = join(__dirname, "../fixtures/tiny-qwen2/untied");
const V = 64;
const PROMPTS = [[1, 17, 33, 5, 60], [3, 8], [9, 44, 12, 7], [30]];

function opts(over: Partial<GenerateOptions> = {}): GenerateOptions {
  return { maxNewTokens: 8, eosTokenIds: [], padTokenId: 0, rng: new Rng(1), ...over };
}

describe("generate", () => {
  let m: Qwen2ForCausalLM;
  before(async () => {
    await useBackend("wasm");
    m = await Qwen2ForCausalLM.fromPretrained(FIXTURE);
  });
  after(() => m.dispose());

  it("greedy decoding equals the argmax of full-forward logits at every step", async () => {
    const r = await generate(m, PROMPTS, opts({ temperature: 0 }));
    r.completionIds.forEach((c, i) => {
      assert.equal(c.length, 8);
      c.forEach((tok, j) => {
        const seq = [...PROMPTS[i], ...c.slice(0, j)];
        const t = m.forward([seq]);
        const lg = t.dataSync().subarray((seq.length - 1) * V);
        assert.equal(tok, argmax(lg), `row ${i} step ${j}`);
        t.dispose();
      });
    });
    assert.deepEqual(r.truncated, [true, true, true, true]);
  });

  it("the same seed gives the same tokens; another seed gives others", async () => {
    const o = { temperature: 1.3, topP: 0.95, topK: 40, maxNewTokens: 10 };
    const a = await generate(m, PROMPTS, opts({ ...o, rng: new Rng(42) }));
    const b = await generate(m, PROMPTS, opts({ ...o, rng: new Rng(42) }));
    const c = await generate(m, PROMPTS, opts({ ...o, rng: new Rng(43) }));
    assert.deepEqual(a.completionIds, b.completionIds);
    assert.deepEqual(a.logprobs, b.logprobs);
    assert.notDeepEqual(a.completionIds, c.completionIds);
  });

  it("stops at EOS (inclusive), flags truncation, and reports model log-probs of the sampled tokens", async () => {
    const free = await generate(m, PROMPTS, opts({ temperature: 0 }));
    const eos = free.completionIds[0][2];
    const r = await generate(m, PROMPTS, opts({ temperature: 0, eosTokenIds: [eos] }));
    r.completionIds.forEach((c, i) => {
      const k = free.completionIds[i].indexOf(eos);
      assert.deepEqual(c, k >= 0 ? free.completionIds[i].slice(0, k + 1) : free.completionIds[i]);
      assert.equal(r.truncated[i], k < 0);
      assert.equal(r.logprobs[i].length, c.length);
    });
    assert.equal(r.completionIds[0].at(-1), eos);
    const sampled = await generate(m, PROMPTS, opts({ temperature: 0.7, topK: 5 }));
    const lp = await m.tokenLogProbs(PROMPTS, sampled.completionIds);
    for (const [i, row] of sampled.logprobs.entries()) {
      for (const [j, x] of row.entries()) {
        assert.ok(Math.abs(x - lp[i][j]) < 1e-4, `row ${i} token ${j}: ${x} vs ${lp[i][j]}`);
      }
    }
  });

  it("micro-batching gives the same greedy tokens and onStep counts every step", async () => {
    const whole = await generate(m, PROMPTS, opts({ temperature: 0 }));
    const steps: number[] = [];
    const split = await generate(
      m,
      PROMPTS,
      opts({ temperature: 0, microBatch: 3, onStep: (s) => steps.push(s) }),
    );
    assert.deepEqual(split.completionIds, whole.completionIds);
    assert.deepEqual(
      steps,
      Array.from({ length: 16 }, (_, i) => i + 1),
    ); // 2 micro-batches × 8 steps
  });

  it("per-sequence seeds: a sampled sequence's tokens do not depend on its batch or micro-batch", async () => {
    const o = { temperature: 1.2, topP: 0.95, maxNewTokens: 12, rng: undefined };
    const seeds = [11, 22, 33, 44];
    const whole = await generate(m, PROMPTS, opts({ ...o, seeds }));
    const split = await generate(m, PROMPTS, opts({ ...o, seeds, microBatch: 1 }));
    const reversed = await generate(m, [...PROMPTS].reverse(), opts({ ...o, seeds: [...seeds].reverse() }));
    const alone = await generate(m, [PROMPTS[2]], opts({ ...o, seeds: [33] }));
    // Tokens are equal; log-probs only to ~1e-6, because a row's logits depend on its batch's left padding
    // (wasm sums in SIMD lanes, so shifting a row changes the rounding).
    assert.deepEqual(split.completionIds, whole.completionIds);
    assert.deepEqual([...reversed.completionIds].reverse(), whole.completionIds);
    assert.deepEqual(alone.completionIds[0], whole.completionIds[2]);
    for (const [j, lp] of alone.logprobs[0].entries()) assert.ok(Math.abs(lp - whole.logprobs[2][j]) < 1e-5);
    await assert.rejects(generate(m, PROMPTS, opts({ ...o, seeds: [1] })), /1 seeds for 4 prompts/);
  });

  it("onToken streams every token as it is sampled; an aborted signal stops at the next step", async () => {
    const seen: Array<[number, number, number]> = [];
    const r = await generate(
      m,
      PROMPTS,
      opts({ temperature: 0, microBatch: 3, onToken: (row, tok, lp) => seen.push([row, tok, lp]) }),
    );
    for (let i = 0; i < PROMPTS.length; i++) {
      const mine = seen.filter(([row]) => row === i);
      assert.deepEqual(
        mine.map(([, t]) => t),
        r.completionIds[i],
        `row ${i} streamed in order`,
      );
      assert.deepEqual(
        mine.map(([, , lp]) => lp),
        r.logprobs[i],
      );
    }
    const ac = new AbortController();
    let steps = 0;
    const cut = await generate(
      m,
      PROMPTS,
      opts({
        temperature: 0,
        microBatch: 2,
        signal: ac.signal,
        onStep: () => {
          if (++steps === 3) ac.abort();
        },
      }),
    );
    assert.deepEqual(
      cut.completionIds.map((c) => c.length),
      [3, 3, 0, 0],
      "the first micro-batch stops after the step that aborted; the second never starts",
    );
    assert.deepEqual(cut.truncated, [true, true, true, true]);
  });

  it("topLogprobs hands onToken the k most likely tokens; greedy's token is the first, with its log-prob", async () => {
    const seen: Array<{ tok: number; lp: number; top: Array<[number, number]> }> = [];
    await generate(
      m,
      PROMPTS,
      opts({
        temperature: 0,
        topLogprobs: 3,
        onToken: (_r, tok, lp, top) => seen.push({ tok, lp, top: top! }),
      }),
    );
    assert.ok(seen.length > 0);
    for (const { tok, lp, top } of seen) {
      assert.equal(top.length, 3);
      assert.equal(top[0][0], tok);
      assert.ok(Math.abs(top[0][1] - lp) < 1e-12);
      assert.ok(top[0][1] >= top[1][1] && top[1][1] >= top[2][1]);
    }
  });

  it("yieldEachStep lets the event loop run between decode steps (a server's sockets and timers)", async () => {
    let turns = 0;
    let live = true;
    const spin = () => {
      turns++;
      if (live) setImmediate(spin);
    };
    setImmediate(spin);
    const r = await generate(m, PROMPTS, opts({ temperature: 0, maxNewTokens: 8, yieldEachStep: true }));
    live = false;
    assert.equal(r.completionIds[0].length, 8);
    assert.ok(turns >= 7, `${turns} event-loop turns during 8 decode steps`);
  });

  it("maxNewTokens 0 gives empty, truncated completions", async () => {
    const r = await generate(m, PROMPTS, opts({ maxNewTokens: 0 }));
    assert.deepEqual(r.completionIds, [[], [], [], []]);
    assert.deepEqual(r.truncated, [true, true, true, true]);
  });

  it("does not leak tensors", async () => {
    await generate(m, PROMPTS, opts({ maxNewTokens: 2 }));
    const n0 = tf.memory().numTensors;
    await generate(m, PROMPTS, opts({ maxNewTokens: 20, eosTokenIds: [3, 9] }));
    assert.equal(tf.memory().numTensors, n0);
  });

  it("rejects bad options and out-of-vocabulary prompts with the field named", async () => {
    await assert.rejects(generate(m, PROMPTS, opts({ topP: 0 })), /topP must be in \(0, 1\]/);
    await assert.rejects(generate(m, PROMPTS, opts({ temperature: -1 })), /temperature/);
    await assert.rejects(generate(m, PROMPTS, opts({ maxNewTokens: 1.5 })), /maxNewTokens/);
    await assert.rejects(generate(m, PROMPTS, opts({ microBatch: 0 })), /microBatch/);
    await assert.rejects(generate(m, [[1, 99]], opts()), /token id 99 is outside the vocabulary \[0, 64\)/);
  });
});

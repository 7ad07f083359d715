/**
 * The one seeded epoch sampler (GRPO prompts, SFT examples): every index once per epoch, a fresh permutation
 * per epoch, exact resume from a JSON round-tripped state.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EpochSampler } from "../../src/data/epoch-sampler";

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe("EpochSampler", () => {
  it("draws every index once per epoch, a fresh permutation each epoch, the same for a seed", () => {
    const s = new EpochSampler(5, 9);
    const e0 = s.next(5);
    const e1 = s.next(5);
    assert.deepEqual(sorted(e0), [0, 1, 2, 3, 4]);
    assert.deepEqual(sorted(e1), [0, 1, 2, 3, 4]);
    assert.notDeepEqual(e0, e1);
    // `next(n)` crosses epoch boundaries: the stream does not depend on how it is cut
    const t = new EpochSampler(5, 9);
    assert.deepEqual([...t.next(3), ...t.next(4), ...t.next(3)], [...e0, ...e1]);
    assert.notDeepEqual(new EpochSampler(5, 10).next(5), e0);
  });

  it("counts completed epochs when the next one starts, and the fraction of the current one", () => {
    const s = new EpochSampler(4, 3);
    assert.equal(s.epoch, 0);
    s.next(3);
    assert.equal(s.epochProgress, 0.75);
    s.next(1);
    assert.equal(s.epoch, 0, "an epoch counts once an index past its end is drawn");
    assert.equal(s.epochProgress, 1);
    s.next(1);
    assert.equal(s.epoch, 1);
    assert.equal(s.epochProgress, 1.25);
  });

  it("resumes at the same position from a JSON round-tripped state, mid-epoch and at an epoch boundary", () => {
    for (const stopAt of [3, 7, 14, 21]) {
      const a = new EpochSampler(7, 42);
      a.next(stopAt);
      const state = JSON.parse(JSON.stringify(a.getState()));
      const b = new EpochSampler(7, 42);
      b.next(2); // a sampler elsewhere in its stream: the state replaces it all
      b.setState(state);
      assert.deepEqual(b.next(40), a.next(40), `stopAt ${stopAt}`);
      assert.equal(b.epoch, a.epoch);
    }
  });

  it("names the data when it is empty, and refuses a state of another dataset size", () => {
    assert.throws(
      () => new EpochSampler(0, 1, "the training dataset"),
      /^Error: the training dataset is empty/,
    );
    const state = new EpochSampler(5, 1).getState();
    assert.throws(() => new EpochSampler(6, 1).setState(state), /order has 5 rows, the dataset 6/);
  });
});

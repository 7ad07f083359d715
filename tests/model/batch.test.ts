import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  causalPaddingBias,
  leftPad,
  positionIds,
  promptCompletionBatch,
  ropeTables,
} from "../../src/model/batch";

describe("batch helpers", () => {
  it("left-pads and masks", () => {
    const b = leftPad([[5, 6, 7], [8]], 0);
    assert.deepEqual([b.b, b.t], [2, 3]);
    assert.deepEqual(Array.from(b.ids), [5, 6, 7, 0, 0, 8]);
    assert.deepEqual(Array.from(b.mask), [1, 1, 1, 0, 0, 1]);
    assert.throws(() => leftPad([[1], []], 0), /row 1 is empty/);
  });

  it("derives HF position ids from the mask (cumsum − 1, pads = 1)", () => {
    const mask = Uint8Array.from([0, 0, 1, 1, 1, 1, 1, 0]);
    assert.deepEqual(Array.from(positionIds(mask, 2, 4)), [1, 1, 0, 1, 0, 1, 2, 1]);
  });

  it("builds the causal + key-padding bias", () => {
    const bias = causalPaddingBias(Uint8Array.from([0, 1, 1]), 1, 3);
    const z = 0;
    const m = -1e9;
    // rows = queries, cols = keys; key 0 is padding, keys after the query are masked.
    assert.deepEqual(Array.from(bias), [m, m, m, m, z, m, m, z, z]);
  });

  it("lays out prompt + completion rows, targets and the scatter map", () => {
    const b = promptCompletionBatch([[1, 2], [3]], [[4, 5, 6], [7]], 0);
    // T = P + Tc = 2 + 3; row 1 = [pad, 3, 7, pad, pad].
    assert.deepEqual([b.promptLen, b.complLen, b.t], [2, 3, 5]);
    assert.deepEqual(Array.from(b.ids), [1, 2, 4, 5, 6, 0, 3, 7, 0, 0]);
    assert.deepEqual(Array.from(b.mask), [1, 1, 1, 1, 1, 0, 1, 1, 0, 0]);
    assert.deepEqual(Array.from(b.rows), [1, 2, 3, 6]); // hidden rows predicting 4, 5, 6 and 7
    assert.deepEqual(Array.from(b.targets), [4, 5, 6, 7]);
    assert.deepEqual(Array.from(b.scatter), [0, 1, 2, 3, 4, 4]); // 4 = the zero slot
    assert.throws(() => promptCompletionBatch([[1]], [], 0), /1 prompts but 0 completions/);
  });

  it("RoPE tables: position 0 is the identity, and sin is sign-folded", () => {
    const { cos, sin } = ropeTables(Int32Array.from([0, 2]), 4, 100);
    assert.deepEqual(Array.from(cos.subarray(0, 4)), [1, 1, 1, 1]);
    assert.deepEqual(Array.from(sin.subarray(0, 4)).map(Math.abs), [0, 0, 0, 0]);
    // inv_freq = [1, 1/10]; position 2 → angles [2, 0.2].
    const f = Math.fround;
    assert.deepEqual(Array.from(cos.subarray(4)), [
      f(Math.cos(2)),
      f(Math.cos(0.2)),
      f(Math.cos(2)),
      f(Math.cos(0.2)),
    ]);
    assert.deepEqual(Array.from(sin.subarray(4)), [
      f(-Math.sin(2)),
      f(-Math.sin(0.2)),
      f(Math.sin(2)),
      f(Math.sin(0.2)),
    ]);
  });
});

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { linear, mm2d } from "../../src/backend/matmul";
import { wasmKernelsInstalled } from "../../src/backend/wasm-kernels";
import { maxAbsErr, useBackend } from "./setup";

/** Runs `f` on cpu and on wasm and returns both results as plain arrays (one per output tensor). */
async function onBoth(f: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: number[][]; wasm: number[][] }> {
  const out: Record<string, number[][]> = {};
  for (const be of ["cpu", "wasm"] as const) {
    await useBackend(be);
    const r = tf.tidy(f);
    const list = Array.isArray(r) ? r : [r];
    out[be] = list.map((t) => Array.from(t.dataSync()));
    tf.dispose(list);
  }
  return { cpu: out.cpu, wasm: out.wasm };
}

describe("wasm kernel patches", () => {
  before(async () => {
    await useBackend("wasm");
  });

  it("installs the patched kernels", () => {
    assert.equal(wasmKernelsInstalled(), true);
    assert.ok(tf.getKernel("UnsortedSegmentSum", "wasm"), "UnsortedSegmentSum registered for wasm");
  });

  it("Slice matches the cpu backend on contiguous and strided slices of rank 1-5", async () => {
    const cases: Array<[number[], number[], number[]]> = [
      [[10], [3], [4]],
      [
        [4, 6],
        [1, 2],
        [2, 3],
      ],
      [
        [4, 6],
        [1, 0],
        [2, 6],
      ],
      [
        [3, 4, 5],
        [1, 1, 2],
        [2, 2, 3],
      ],
      [
        [2, 3, 4, 5],
        [1, 0, 1, 1],
        [1, 3, 2, 4],
      ],
      [
        [2, 3, 2, 3, 4],
        [0, 1, 1, 0, 2],
        [2, 2, 1, 3, 2],
      ],
    ];
    for (const [shape, begin, size] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const r = await onBoth(() => tf.slice(tf.reshape(tf.range(0, n), shape), begin, size));
      assert.deepEqual(r.wasm, r.cpu, `slice of [${shape}] at [${begin}] size [${size}]`);
    }
  });

  it("Unpack (unstack) and SplitV (split) match the cpu backend on every axis", async () => {
    for (const axis of [0, 1, 2]) {
      const r = await onBoth(() => tf.unstack(tf.reshape(tf.range(0, 24), [2, 3, 4]), axis));
      assert.deepEqual(r.wasm, r.cpu, `unstack axis ${axis}`);
    }
    const s = await onBoth(() => tf.split(tf.reshape(tf.range(0, 60), [3, 4, 5]), [2, 3], 2));
    assert.deepEqual(s.wasm, s.cpu);
    assert.deepEqual(s.wasm[0].slice(0, 4), [0, 1, 5, 6]); // [0,0,0:2] then [0,1,0:2], by hand
  });

  it("UnsortedSegmentSum sums duplicates, drops out-of-range ids, and matches cpu", async () => {
    const x = [
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ];
    const ids = [2, 0, 2, -1];
    const r = await onBoth(() => tf.unsortedSegmentSum(tf.tensor2d(x), tf.tensor1d(ids, "int32"), 3));
    // segment 0 = row 1; segment 1 = nothing; segment 2 = rows 0 + 2; id −1 dropped.
    assert.deepEqual(r.wasm[0], [3, 4, 0, 0, 6, 8]);
    assert.deepEqual(r.wasm, r.cpu);
  });

  it("the gradient of tf.gather (embedding lookup) works on wasm and matches cpu", async () => {
    const r = await onBoth(() =>
      tf.grad((e: tf.Tensor) =>
        tf.sum(tf.mul(tf.gather(e, [0, 2, 2, 5]), tf.reshape(tf.range(0, 12), [4, 3]))),
      )(tf.ones([6, 3])),
    );
    assert.deepEqual(r.wasm, r.cpu);
    assert.deepEqual(r.wasm[0].slice(6, 9), [3 + 6, 4 + 7, 5 + 8]); // row 2 gathered twice
  });

  it("Transpose matches the cpu backend on 2-D, batched 2-D, size-1 and other permutations", async () => {
    const cases: Array<[number[], number[]]> = [
      [
        [37, 19],
        [1, 0],
      ],
      [
        [3, 17, 40],
        [0, 2, 1],
      ],
      [
        [1, 5, 1, 3],
        [3, 1, 2, 0],
      ],
      [
        [2, 5, 2, 2, 3],
        [0, 2, 3, 1, 4],
      ],
      [
        [2, 3, 4],
        [2, 0, 1],
      ],
    ];
    for (const [shape, perm] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const r = await onBoth(() => tf.transpose(tf.reshape(tf.range(0, n), shape), perm));
      assert.deepEqual(r.wasm, r.cpu, `transpose [${shape}] by [${perm}]`);
    }
    const small = await onBoth(() => tf.transpose(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3])));
    assert.deepEqual(small.wasm[0], [1, 4, 2, 5, 3, 6]);
  });

  it("Sum over leading axes (and others) matches the cpu backend", async () => {
    const x = () => tf.reshape(tf.range(0, 60, 1, "float32"), [3, 4, 5]);
    for (const [axis, keep] of [
      [0, false],
      [[0, 1], true],
      [2, false],
      [1, false],
      [[0, 2], false],
    ] as const) {
      const r = await onBoth(() => tf.sum(x(), axis as number | number[], keep));
      assert.deepEqual(r.wasm, r.cpu, `sum over ${axis}`);
    }
    const r = await onBoth(() => tf.sum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), 0));
    assert.deepEqual(r.wasm[0], [9, 12]);
  });

  it("patched kernels do not leak tensors", async () => {
    await useBackend("wasm");
    const x = tf.reshape(tf.range(0, 120), [2, 3, 4, 5]);
    const n0 = tf.memory().numTensors;
    tf.dispose([
      ...tf.unstack(x, 1),
      ...tf.split(x, 2, 2),
      tf.slice(x, [0, 1, 1, 0], [2, 2, 2, 5]),
      tf.transpose(x, [0, 1, 3, 2]),
      tf.sum(x, [0, 1]),
    ]);
    assert.equal(tf.memory().numTensors, n0);
    x.dispose();
  });
});

describe("mm2d and linear", () => {
  it("mm2d value and gradients equal tf.matMul's", async () => {
    for (const be of ["cpu", "wasm"] as const) {
      await useBackend(be);
      const n0 = tf.memory().numTensors;
      const errs = tf.tidy(() => {
        const a = tf.randomNormal([5, 4], 0, 1, "float32", 1) as tf.Tensor2D;
        const b = tf.randomNormal([4, 7], 0, 1, "float32", 2) as tf.Tensor2D;
        const w = tf.randomNormal([5, 7], 0, 1, "float32", 3);
        const f1 = (x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(tf.mul(mm2d(x as tf.Tensor2D, y as tf.Tensor2D), w));
        const f2 = (x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), w));
        const g1 = tf.grads(f1)([a, b]);
        const g2 = tf.grads(f2)([a, b]);
        return [
          maxAbsErr(mm2d(a, b).dataSync(), tf.matMul(a, b).dataSync()),
          maxAbsErr(g1[0].dataSync(), g2[0].dataSync()),
          maxAbsErr(g1[1].dataSync(), g2[1].dataSync()),
        ];
      });
      for (const e of errs) assert.ok(e < 1e-5, `${be}: mm2d differs from matMul by ${e}`);
      assert.equal(tf.memory().numTensors, n0);
    }
  });

  it("linear applies [in, out] weights and bias on the last axis of a 3-D input", async () => {
    await useBackend("wasm");
    const y = tf.tidy(() => {
      const x = tf.tensor3d([1, 2, 3, 4], [1, 2, 2]);
      return linear(x, tf.tensor2d([1, 0, 1, 0, 1, 1], [2, 3]), tf.tensor1d([10, 20, 30]));
    });
    assert.deepEqual(y.shape, [1, 2, 3]);
    // [1,2]·[[1,0,1],[0,1,1]] = [1,2,3] + bias; [3,4] → [3,4,7] + bias.
    assert.deepEqual(Array.from(y.dataSync()), [11, 22, 33, 13, 24, 37]);
    y.dispose();
  });

  it("rejects mismatched shapes with both shapes in the message", () => {
    const a = tf.zeros([2, 3]) as tf.Tensor2D;
    const b = tf.zeros([4, 2]) as tf.Tensor2D;
    assert.throws(() => mm2d(a, b), /\[2,3\] @ \[4,2\]/);
    tf.dispose([a, b]);
  });
});

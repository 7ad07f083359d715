import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deriveSeed, Rng } from "../../src/util/rng";

describe("deriveSeed", () => {
  it("is a pure 31-bit function of its parts, sensitive to every part and to their order", () => {
    assert.equal(deriveSeed(42, 3, 7, 1), deriveSeed(42, 3, 7, 1));
    const seen = new Set<number>();
    for (let step = 0; step < 8; step++)
      for (let p = 0; p < 16; p++)
        for (let s = 0; s < 6; s++) {
          const v = deriveSeed(42, step, p, s);
          assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 31);
          seen.add(v);
        }
    assert.equal(seen.size, 8 * 16 * 6, "no collisions among nearby tuples");
    assert.notEqual(deriveSeed(1, 2), deriveSeed(2, 1));
    assert.notEqual(deriveSeed(1), deriveSeed(1, 0));
    assert.notEqual(deriveSeed(2 ** 32 + 5), deriveSeed(5), "high bits of large seeds count");
    assert.throws(() => deriveSeed(1.5), /integers/);
  });

  it("streams from neighbouring seeds are unrelated (first draws differ)", () => {
    const firsts = Array.from({ length: 64 }, (_, i) => new Rng(deriveSeed(7, 0, i, 0)).next());
    const mean = firsts.reduce((a, b) => a + b, 0) / firsts.length;
    assert.ok(mean > 0.35 && mean < 0.65, `mean of 64 first draws ${mean}`);
  });
});

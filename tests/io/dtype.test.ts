import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bf16ToF32, f16BitsToF32, f16ToF32, f32ToBf16, f32ToF16 } from "../../src/io/dtype";

/** f32 values from raw bit patterns. */
function fromBits(...bits: number[]): Float32Array {
  return new Float32Array(Uint32Array.from(bits).buffer);
}

describe("f32 → bf16 (round to nearest, ties to even)", () => {
  // Each case: f32 bits → expected bf16 bits, worked out on the bit pattern by hand.
  const cases: Array<[string, number, number]> = [
    ["1.0 is exact", 0x3f800000, 0x3f80],
    ["-1.5 is exact", 0xbfc00000, 0xbfc0],
    ["tie between 0x3f80 and 0x3f81 goes to even 0x3f80", 0x3f808000, 0x3f80],
    ["tie between 0x3f81 and 0x3f82 goes to even 0x3f82", 0x3f818000, 0x3f82],
    ["one ulp above the tie rounds up", 0x3f808001, 0x3f81],
    ["one ulp below the tie rounds down", 0x3f807fff, 0x3f80],
    ["f32 max overflows to +inf", 0x7f7fffff, 0x7f80],
    ["-f32 max overflows to -inf", 0xff7fffff, 0xff80],
    ["+inf stays inf", 0x7f800000, 0x7f80],
    ["quiet NaN stays NaN", 0x7fc00000, 0x7fc0],
    ["signalling NaN with low payload stays NaN (not inf)", 0x7f800001, 0x7fc0],
    ["negative NaN keeps its sign", 0xffc00001, 0xffc0],
    ["smallest f32 subnormal rounds to +0", 0x00000001, 0x0000],
    ["-0 stays -0", 0x80000000, 0x8000],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => {
      assert.equal(f32ToBf16(fromBits(input))[0], want);
    });
  }

  it("is the nearest bf16 for random values (checked against both neighbours)", () => {
    const xs = new Float32Array(2000).map((_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1000);
    const h = f32ToBf16(xs);
    const back = bf16ToF32(h);
    for (let i = 0; i < xs.length; i++) {
      const err = Math.abs(back[i] - xs[i]);
      for (const n of [h[i] - 1, h[i] + 1]) {
        const nb = bf16ToF32(Uint16Array.of(n))[0];
        if (Number.isNaN(nb)) continue; // 0x0000 - 1 wraps to a NaN pattern
        assert.ok(err <= Math.abs(nb - xs[i]), `x=${xs[i]} → ${back[i]} but neighbour ${nb} is nearer`);
      }
    }
  });

  it("widens exactly: bf16 0x4049 is 3.140625", () => {
    assert.deepEqual([...bf16ToF32(Uint16Array.of(0x3f80, 0x4049, 0xc000))], [1, 3.140625, -2]);
  });
});

describe("f32 ↔ f16", () => {
  const cases: Array<[string, number, number]> = [
    ["1.0", 1, 0x3c00],
    ["-2.0", -2, 0xc000],
    ["largest finite 65504", 65504, 0x7bff],
    ["65519 rounds down to 65504", 65519, 0x7bff],
    ["65520 is a tie with 65536 (inf): odd 0x7bff rounds up to inf", 65520, 0x7c00],
    ["smallest normal 2^-14", 2 ** -14, 0x0400],
    ["smallest subnormal 2^-24", 2 ** -24, 0x0001],
    ["2^-25 ties between 0 and 2^-24: to even 0", 2 ** -25, 0x0000],
    ["1.5·2^-25 rounds up to 2^-24", 1.5 * 2 ** -25, 0x0001],
    ["1.5·2^-24 ties between 1 and 2 subnormal ulps: to even 2", 1.5 * 2 ** -24, 0x0002],
    ["1 + 2^-11 ties between 0x3c00 and 0x3c01: to even 0x3c00", 1 + 2 ** -11, 0x3c00],
    ["1 + 3·2^-11 ties between 0x3c01 and 0x3c02: to even 0x3c02", 1 + 3 * 2 ** -11, 0x3c02],
    ["-0", -0, 0x8000],
    ["-inf", Number.NEGATIVE_INFINITY, 0xfc00],
    ["1e6 overflows to inf", 1e6, 0x7c00],
  ];
  for (const [name, input, want] of cases) {
    it(`encodes ${name}`, () => {
      assert.equal(f32ToF16(Float32Array.of(input))[0], want);
    });
  }

  it("keeps NaN a NaN both ways", () => {
    const h = f32ToF16(Float32Array.of(Number.NaN))[0];
    assert.equal(h & 0x7c00, 0x7c00);
    assert.notEqual(h & 0x3ff, 0);
    assert.ok(Number.isNaN(f16ToF32(Uint16Array.of(h))[0]));
  });

  it("decodes by hand-computed values", () => {
    // 0x3555: e=13, m=0x155=341 → (1 + 341/1024)·2^-2 = 1365/4096
    assert.equal(f16BitsToF32(0x3555), 1365 / 4096);
    assert.equal(f16BitsToF32(0x0001), 2 ** -24);
    assert.equal(f16BitsToF32(0x7c00), Number.POSITIVE_INFINITY);
    assert.deepEqual([...f16ToF32(Uint16Array.of(0x3c00, 0xc000, 0x7bff))], [1, -2, 65504]);
  });

  it("round-trips every finite f16 bit pattern exactly", () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i).filter((h) => (h & 0x7c00) !== 0x7c00);
    assert.deepEqual(f32ToF16(f16ToF32(all)), all);
  });
});

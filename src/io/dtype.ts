/**
 * Element types of safetensors files and the float conversions between them. All conversions work on raw
 * little-endian bit patterns, as stored on disk; the host must be little-endian (x86, ARM: checked once).
 */
import { endianness } from "node:os";

/** Element types this library reads. F32/F16/BF16 are also written; I64/I32 only read (and written raw). */
export type SafetensorsDtype = "F32" | "F16" | "BF16" | "I64" | "I32";

/** Float element types a checkpoint can be saved in. */
export type FloatDtype = "F32" | "F16" | "BF16";

/** Bytes per element of each supported dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = Object.freeze({
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
});

/** True when `s` names a supported dtype (the others, e.g. U8/BOOL/F64, are rejected by name). */
export function isSafetensorsDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === "string" && Object.hasOwn(DTYPE_BYTES, s);
}

if (endianness() !== "LE") {
  throw new Error("open-rs-ts safetensors I/O assumes a little-endian host; this one is big-endian");
}

/**
 * f32 → bf16 bits, round to nearest, ties to even; NaN stays a (quiet) NaN, values past bf16's max round to ±inf.
 * Formula `(x + 0x7fff + ((x >>> 16) & 1)) >>> 16` on the f32 bit pattern x.
 */
export function f32ToBf16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i];
    if ((x & 0x7fffffff) > 0x7f800000) {
      out[i] = (x >>> 16) | 0x0040; // NaN: keep sign and top payload bits, force the quiet bit
    } else {
      out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
    }
  }
  return out;
}

/** bf16 bits → f32 (exact: bf16 is the top half of an f32). */
export function bf16ToF32(src: Uint16Array): Float32Array {
  const out = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] << 16;
  return new Float32Array(out.buffer);
}

/** One f32 bit pattern → f16 bits, round to nearest, ties to even (subnormals included, overflow → ±inf). */
export function f32BitsToF16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13); // inf / quiet NaN
  const e = exp - 112; // f16 biased exponent (127 - 15 = 112)
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal (2^-25): ±0
    const full = mant | 0x800000; // 24-bit significand with the implicit bit
    const shift = 14 - e; // f16 subnormal = full >> (126 - exp)
    let m = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (m & 1) === 1)) m++; // may carry into the smallest normal: still correct
    return sign | m;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++; // a carry into the exponent (or to inf) is correct
  return sign | h;
}

/** f32 → f16 bits for a whole array (see `f32BitsToF16Bits`). */
export function f32ToF16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16Bits(bits[i]);
  return out;
}

let f16Table: Float32Array | null = null;

/** One f16 bit pattern → f32 value (exact). */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** f16 bits → f32 for a whole array, through a 65,536-entry lookup table built on first use. */
export function f16ToF32(src: Uint16Array): Float32Array {
  if (f16Table === null) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToF32(h);
  }
  const table = f16Table;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]];
  return out;
}

/**
 * Tensor encodings for GGUF: F32, F16 (round to nearest even) and Q8_0, bit-exact with ggml's reference
 * `quantize_row_q8_0_ref` (ggml-org/llama.cpp `ggml/src/ggml-quants.c`; gguf-py `quants.py` `Q8_0`).
 */
import { f32BitsToF16Bits, f32ToF16 } from "../io/dtype";
import { GgmlType, Q8_0_BLOCK_BYTES, QK8_0 } from "./format";

/**
 * Q8_0: each block of 32 values becomes an f16 scale d = max|x| / 127 and 32 int8 q = roundf(x / d), rounding
 * half away from zero; a block of zeros gets d = 0 and q = 0. Float32 arithmetic throughout, as in C.
 */
export function quantizeQ8_0(x: Float32Array): Uint8Array {
  if (x.length % QK8_0 !== 0)
    throw new Error(`quantizeQ8_0: length ${x.length} is not a multiple of ${QK8_0}`);
  const nb = x.length / QK8_0;
  const out = new Uint8Array(nb * Q8_0_BLOCK_BYTES);
  const q = new Int8Array(out.buffer);
  const scales = new Uint16Array(out.buffer); // block b's scale is u16 number b * 17 (34-byte blocks)
  const f = Math.fround;
  const bits = new Uint32Array(1);
  const asF32 = new Float32Array(bits.buffer);
  for (let b = 0; b < nb; b++) {
    const o = b * QK8_0;
    let amax = 0;
    for (let j = 0; j < QK8_0; j++) amax = Math.max(amax, Math.abs(x[o + j]));
    const d = f(amax / 127);
    const id = d ? f(1 / d) : 0;
    asF32[0] = d;
    scales[b * (Q8_0_BLOCK_BYTES / 2)] = f32BitsToF16Bits(bits[0]);
    const qo = b * Q8_0_BLOCK_BYTES + 2;
    for (let j = 0; j < QK8_0; j++) {
      const v = f(x[o + j] * id);
      q[qo + j] = v < 0 ? -Math.round(-v) : Math.round(v); // C roundf: half away from zero
    }
  }
  return out;
}

/** Encodes f32 data as `type`, in the byte layout GGUF stores (little-endian). */
export function encodeTensorData(data: Float32Array, type: GgmlType): Uint8Array {
  switch (type) {
    case GgmlType.F32:
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    case GgmlType.F16: {
      const h = f32ToF16(data);
      return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
    }
    case GgmlType.Q8_0:
      return quantizeQ8_0(data);
  }
}

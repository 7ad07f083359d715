/**
 * GGUF v3 building blocks (ggml-org/llama.cpp `docs/gguf.md`, `gguf-py/gguf/constants.py`): metadata value
 * types, ggml tensor types and their byte sizes, and the little-endian encoding of the header.
 */

/** File magic "GGUF" and the version written. */
export const GGUF_MAGIC = 0x46554747;
export const GGUF_VERSION = 3;
/** Data alignment (`general.alignment`; llama.cpp's default). */
export const GGUF_ALIGNMENT = 32;

/** Metadata value types (gguf.md `gguf_metadata_value_type`). */
export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** The ggml tensor types this writer produces (`ggml_type`). */
export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q8_0 = 8,
}

/** `general.file_type` values (`LlamaFileType`): the dominant type of the 2-D weights. */
export const LLAMA_FILE_TYPE: Readonly<Record<GgufOutType, number>> = { F32: 0, F16: 1, Q8_0: 7 };

/** Weight types a conversion can target. */
export type GgufOutType = "F32" | "F16" | "Q8_0";

/** Elements per Q8_0 block (`QK8_0`) and bytes per block (an f16 scale + 32 int8). */
export const QK8_0 = 32;
export const Q8_0_BLOCK_BYTES = 34;

/** A metadata value with its GGUF type. Arrays are homogeneous. */
export type GgufValue =
  | { type: GgufValueType.UINT32 | GgufValueType.INT32 | GgufValueType.FLOAT32; value: number }
  | { type: GgufValueType.UINT64; value: bigint }
  | { type: GgufValueType.BOOL; value: boolean }
  | { type: GgufValueType.STRING; value: string }
  | { type: GgufValueType.ARRAY; itemType: GgufValueType.STRING; value: readonly string[] }
  | {
      type: GgufValueType.ARRAY;
      itemType: GgufValueType.INT32 | GgufValueType.FLOAT32;
      value: ArrayLike<number>;
    };

/** Constructors for metadata values. */
export const gv = {
  u32: (value: number): GgufValue => ({ type: GgufValueType.UINT32, value }),
  i32: (value: number): GgufValue => ({ type: GgufValueType.INT32, value }),
  f32: (value: number): GgufValue => ({ type: GgufValueType.FLOAT32, value }),
  bool: (value: boolean): GgufValue => ({ type: GgufValueType.BOOL, value }),
  str: (value: string): GgufValue => ({ type: GgufValueType.STRING, value }),
  strs: (value: readonly string[]): GgufValue => ({
    type: GgufValueType.ARRAY,
    itemType: GgufValueType.STRING,
    value,
  }),
  i32s: (value: ArrayLike<number>): GgufValue => ({
    type: GgufValueType.ARRAY,
    itemType: GgufValueType.INT32,
    value,
  }),
};

/** Bytes of one tensor's data of `type` with `n` elements and rows of `rowLen` elements (Q8_0 needs rowLen % 32 = 0). */
export function tensorDataBytes(type: GgmlType, n: number, rowLen: number): number {
  switch (type) {
    case GgmlType.F32:
      return 4 * n;
    case GgmlType.F16:
      return 2 * n;
    case GgmlType.Q8_0:
      if (rowLen % QK8_0 !== 0)
        throw new Error(`Q8_0 needs rows of a multiple of ${QK8_0} elements, got ${rowLen}`);
      return (n / QK8_0) * Q8_0_BLOCK_BYTES;
  }
}

/** Rounds `n` up to a multiple of `align`. */
export function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

/** A growable little-endian byte writer for the header. */
export class ByteWriter {
  private buf = Buffer.alloc(1 << 16);
  private len = 0;

  get length(): number {
    return this.len;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf.writeUInt8(v, this.len);
    this.len += 1;
  }
  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.len);
    this.len += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.len);
    this.len += 4;
  }
  f32(v: number): void {
    this.reserve(4);
    this.buf.writeFloatLE(v, this.len);
    this.len += 4;
  }
  u64(v: number | bigint): void {
    this.reserve(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.len);
    this.len += 8;
  }
  /** A GGUF string: u64 byte length + UTF-8 bytes (no terminator). */
  str(s: string): void {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    this.reserve(bytes.length);
    bytes.copy(this.buf, this.len);
    this.len += bytes.length;
  }
  /** Zero bytes up to a multiple of `align`. */
  pad(align: number): void {
    const n = alignUp(this.len, align) - this.len;
    this.reserve(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

function checkInt(key: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi)
    throw new Error(`GGUF metadata ${key}: ${v} is not in [${lo}, ${hi}]`);
}

/** Appends one metadata key/value pair. */
export function writeMetadataEntry(w: ByteWriter, key: string, v: GgufValue): void {
  w.str(key);
  w.u32(v.type);
  switch (v.type) {
    case GgufValueType.UINT32:
      checkInt(key, v.value, 0, 0xffffffff);
      w.u32(v.value);
      return;
    case GgufValueType.INT32:
      checkInt(key, v.value, -0x80000000, 0x7fffffff);
      w.i32(v.value);
      return;
    case GgufValueType.FLOAT32:
      w.f32(v.value);
      return;
    case GgufValueType.UINT64:
      w.u64(v.value);
      return;
    case GgufValueType.BOOL:
      w.u8(v.value ? 1 : 0);
      return;
    case GgufValueType.STRING:
      w.str(v.value);
      return;
    case GgufValueType.ARRAY:
      w.u32(v.itemType);
      w.u64(v.value.length);
      if (v.itemType === GgufValueType.STRING) {
        for (const s of v.value as readonly string[]) w.str(s);
      } else {
        const a = v.value as ArrayLike<number>;
        for (let i = 0; i < a.length; i++) {
          if (v.itemType === GgufValueType.INT32) w.i32(a[i]);
          else w.f32(a[i]);
        }
      }
      return;
  }
}

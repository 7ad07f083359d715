/**
 * Safetensors single-file reader and writer (https://github.com/huggingface/safetensors, format section):
 * u64 little-endian header length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [s, e]}, __metadata__?}`,
 * then raw little-endian data, offsets relative to byte 8 + N. The header is padded with spaces so that data
 * starts on a multiple of 8. Tensors are read one by one with positioned reads into fresh (aligned) buffers.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import {
  bf16ToF32,
  DTYPE_BYTES,
  type FloatDtype,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  isSafetensorsDtype,
  type SafetensorsDtype,
} from "./dtype";

/** One header entry, validated. */
export interface TensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range [start, end) relative to the start of the data section. */
  dataOffsets: [number, number];
}

/** A parsed and validated header. */
export interface SafetensorsHeader {
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
  /** Absolute file offset of the data section (8 + header length). */
  dataStart: number;
}

/** A tensor as stored: float dtypes decode to Float32Array, I32 to Int32Array, I64 to BigInt64Array. */
export interface StoredTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Int32Array | BigInt64Array;
}

/** A tensor to write: `data` is f32 for float dtypes (converted on write), or already I32/I64. */
export interface TensorToWrite {
  dtype: SafetensorsDtype;
  shape: readonly number[];
  data: Float32Array | Int32Array | BigInt64Array;
}

/** Headers larger than this are treated as corrupt (the reference implementation caps them at 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

/** Number of elements of `shape` (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function fail(file: string, msg: string): never {
  throw new Error(`safetensors ${file}: ${msg}`);
}

function readExactly(fd: number, file: string, buf: Uint8Array, position: number, what: string): void {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) fail(file, `file ends inside ${what} (wanted ${buf.length} bytes at offset ${position})`);
    done += n;
  }
}

function parseEntry(file: string, name: string, raw: unknown, dataLen: number): TensorInfo {
  const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof e !== "object" || e === null) fail(file, `tensor "${name}": header entry is not an object`);
  if (!isSafetensorsDtype(e.dtype)) {
    fail(
      file,
      `tensor "${name}": unknown dtype ${JSON.stringify(e.dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(", ")})`,
    );
  }
  const shape = e.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(file, `tensor "${name}": shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  const off = e.data_offsets;
  if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(
      file,
      `tensor "${name}": data_offsets ${JSON.stringify(off)} is not a pair of non-negative integers`,
    );
  }
  const [start, end] = off as [number, number];
  if (start > end || end > dataLen) {
    fail(
      file,
      `tensor "${name}": data_offsets [${start}, ${end}] out of range (data section has ${dataLen} bytes)`,
    );
  }
  const want = numel(shape) * DTYPE_BYTES[e.dtype];
  if (end - start !== want) {
    fail(
      file,
      `tensor "${name}": data_offsets span ${end - start} bytes but ${e.dtype}${JSON.stringify(shape)} needs ${want}`,
    );
  }
  return { dtype: e.dtype, shape: shape.slice(), dataOffsets: [start, end] };
}

function checkNoOverlap(file: string, tensors: Map<string, TensorInfo>): void {
  const spans = [...tensors].filter(([, t]) => t.dataOffsets[1] > t.dataOffsets[0]);
  spans.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0]);
  for (let i = 1; i < spans.length; i++) {
    const [prevName, prev] = spans[i - 1];
    const [name, cur] = spans[i];
    if (cur.dataOffsets[0] < prev.dataOffsets[1]) {
      fail(file, `tensors "${prevName}" and "${name}" overlap (${prev.dataOffsets} vs ${cur.dataOffsets})`);
    }
  }
}

/** Read and validate the header of an open file. */
function readHeaderFd(fd: number, file: string): SafetensorsHeader {
  const size = fstatSync(fd).size;
  if (size < 8) fail(file, `truncated header: file has ${size} bytes, fewer than the 8-byte length prefix`);
  const lenBuf = new Uint8Array(8);
  readExactly(fd, file, lenBuf, 0, "the header length");
  const n = Number(new DataView(lenBuf.buffer).getBigUint64(0, true));
  if (n > MAX_HEADER_BYTES) fail(file, `header length ${n} is implausible (corrupt file or not safetensors)`);
  if (8 + n > size) fail(file, `truncated header: header claims ${n} bytes but only ${size - 8} follow`);
  const headBuf = new Uint8Array(n);
  readExactly(fd, file, headBuf, 8, "the header");
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(headBuf));
  } catch (err) {
    fail(file, `header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    fail(file, "header is not a JSON object");
  const dataLen = size - 8 - n;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      metadata = raw as Record<string, string>;
      continue;
    }
    tensors.set(name, parseEntry(file, name, raw, dataLen));
  }
  checkNoOverlap(file, tensors);
  return { tensors, metadata, dataStart: 8 + n };
}

/** Read and validate only the header of `file` (cheap: no tensor data is read). */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = openSync(file, "r");
  try {
    return readHeaderFd(fd, file);
  } finally {
    closeSync(fd);
  }
}

function decode(info: TensorInfo, bytes: Uint8Array): StoredTensor["data"] {
  const buf = bytes.buffer;
  switch (info.dtype) {
    case "F32":
      return new Float32Array(buf);
    case "BF16":
      return bf16ToF32(new Uint16Array(buf));
    case "F16":
      return f16ToF32(new Uint16Array(buf));
    case "I32":
      return new Int32Array(buf);
    case "I64":
      return new BigInt64Array(buf);
  }
}

/**
 * Read tensors from one safetensors file. `names` restricts the read (each must exist, else an error naming it);
 * by default all tensors are read, in header order.
 */
export function readSafetensors(file: string, names?: readonly string[]): Map<string, StoredTensor> {
  const fd = openSync(file, "r");
  try {
    const header = readHeaderFd(fd, file);
    const out = new Map<string, StoredTensor>();
    for (const name of names ?? [...header.tensors.keys()]) {
      const info = header.tensors.get(name);
      if (info === undefined) fail(file, `missing tensor "${name}"`);
      const [start, end] = info.dataOffsets;
      const bytes = new Uint8Array(end - start); // fresh buffer: offset 0, so typed views are aligned
      readExactly(fd, file, bytes, header.dataStart + start, `tensor "${name}"`);
      out.set(name, { dtype: info.dtype, shape: info.shape, data: decode(info, bytes) });
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Encode one tensor to its on-disk bytes, converting f32 data to F16/BF16 as asked. */
export function encodeTensor(name: string, t: TensorToWrite): Uint8Array {
  const n = numel(t.shape);
  if (t.data.length !== n) {
    throw new Error(
      `tensor "${name}": data has ${t.data.length} elements but shape ${JSON.stringify(t.shape)} needs ${n}`,
    );
  }
  const isFloat = t.dtype === "F32" || t.dtype === "F16" || t.dtype === "BF16";
  const ok = isFloat
    ? t.data instanceof Float32Array
    : t.dtype === "I32"
      ? t.data instanceof Int32Array
      : t.data instanceof BigInt64Array;
  if (!ok)
    throw new Error(`tensor "${name}": ${t.data.constructor.name} data cannot be written as ${t.dtype}`);
  let out: ArrayBufferView = t.data;
  if (t.dtype === "BF16") out = f32ToBf16(t.data as Float32Array);
  else if (t.dtype === "F16") out = f32ToF16(t.data as Float32Array);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** writeSync may write less than asked for very large buffers: loop until all bytes are out. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Build the padded header bytes for tensors of the given byte sizes, in iteration order. */
function buildHeader(entries: Array<[string, TensorToWrite]>, metadata: Record<string, string>): Uint8Array {
  const head: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of entries) {
    if (!isSafetensorsDtype(t.dtype))
      throw new Error(`tensor "${name}": unknown dtype ${JSON.stringify(t.dtype)}`);
    const bytes = numel(t.shape) * DTYPE_BYTES[t.dtype];
    head[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(head);
  const len = Buffer.byteLength(json, "utf8");
  json += " ".repeat((8 - (len % 8)) % 8);
  const jsonBytes = Buffer.from(json, "utf8");
  const out = new Uint8Array(8 + jsonBytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, 8);
  return out;
}

/**
 * Write tensors to `file` (created or truncated), in iteration order, then fsync. Metadata defaults to
 * `{format: "pt"}`, which transformers requires to load a safetensors file.
 */
export function writeSafetensors(
  file: string,
  tensors: Iterable<[string, TensorToWrite]>,
  metadata: Record<string, string> = { format: "pt" },
): void {
  const entries = [...tensors];
  const header = buildHeader(entries, metadata);
  const fd = openSync(file, "w");
  try {
    writeAll(fd, header);
    for (const [name, t] of entries) writeAll(fd, encodeTensor(name, t));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Convenience: the f32 tensors of a model as `TensorToWrite`s in `dtype`. */
export function asFloatTensors(
  tensors: Iterable<[string, { shape: readonly number[]; data: Float32Array }]>,
  dtype: FloatDtype,
): Array<[string, TensorToWrite]> {
  return [...tensors].map(([name, t]) => [name, { dtype, shape: t.shape, data: t.data }]);
}

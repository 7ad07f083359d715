/**
 * Writes a GGUF v3 file: header, metadata, tensor infos, then each tensor's data aligned to 32 bytes. Tensors
 * are encoded and written one at a time (a 1.5B checkpoint never sits in memory twice), into a temporary
 * sibling that is fsynced and renamed, so a crash never leaves a truncated file under the final name.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  alignUp,
  ByteWriter,
  GGUF_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
  type GgmlType,
  type GgufValue,
  gv,
  tensorDataBytes,
  writeMetadataEntry,
} from "./format";
import { encodeTensorData } from "./quant";

/** One tensor to write. */
export interface GgufTensorSpec {
  /** GGUF name, e.g. "blk.0.attn_q.weight". */
  name: string;
  /** Shape in row-major (numpy/HF) order; GGUF stores it reversed (fastest-varying first). */
  shape: readonly number[];
  type: GgmlType;
  /** The f32 data in row-major order, produced when the tensor is written. */
  data: () => Float32Array;
}

/** Metadata pairs in file order. */
export type GgufMetadata = Array<[key: string, value: GgufValue]>;

/** The header bytes (through the padding before the data section) and each tensor's data size. */
export function encodeGgufHeader(
  metadata: GgufMetadata,
  tensors: readonly GgufTensorSpec[],
): { header: Buffer; sizes: number[] } {
  const meta: GgufMetadata = metadata.some(([k]) => k === "general.alignment")
    ? metadata
    : [...metadata, ["general.alignment", gv.u32(GGUF_ALIGNMENT)]];
  const seen = new Set<string>();
  for (const [k] of meta) {
    if (seen.has(k)) throw new Error(`GGUF metadata key "${k}" appears twice`);
    seen.add(k);
  }
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(tensors.length);
  w.u64(meta.length);
  for (const [k, v] of meta) writeMetadataEntry(w, k, v);
  const sizes: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const size = tensorDataBytes(t.type, n, t.shape[t.shape.length - 1]);
    w.str(t.name);
    w.u32(t.shape.length);
    for (let i = t.shape.length - 1; i >= 0; i--) w.u64(t.shape[i]);
    w.u32(t.type);
    w.u64(offset);
    sizes.push(size);
    offset += alignUp(size, GGUF_ALIGNMENT);
  }
  w.pad(GGUF_ALIGNMENT);
  return { header: w.bytes(), sizes };
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Writes `path` atomically. `onTensor(i, n)` reports progress after each tensor; the event loop gets a turn
 * between tensors (a notebook kernel stays responsive). Resolves to the file size. Throws (leaving no file
 * behind) when a tensor's data has the wrong number of elements.
 */
export async function writeGgufFile(
  path: string,
  metadata: GgufMetadata,
  tensors: readonly GgufTensorSpec[],
  onTensor?: (done: number, total: number) => void,
): Promise<number> {
  const { header, sizes } = encodeGgufHeader(metadata, tensors);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  const fd = openSync(tmp, "w");
  let total = header.length;
  try {
    writeAll(fd, header);
    const zeros = new Uint8Array(GGUF_ALIGNMENT);
    for (let i = 0; i < tensors.length; i++) {
      const t = tensors[i];
      const data = t.data();
      const n = t.shape.reduce((a, b) => a * b, 1);
      if (data.length !== n) {
        throw new Error(
          `GGUF tensor ${t.name}: ${data.length} values for shape [${t.shape}] (${n} expected)`,
        );
      }
      const bytes = encodeTensorData(data, t.type);
      if (bytes.length !== sizes[i])
        throw new Error(`GGUF tensor ${t.name}: encoded ${bytes.length} bytes, expected ${sizes[i]}`);
      writeAll(fd, bytes);
      const pad = alignUp(bytes.length, GGUF_ALIGNMENT) - bytes.length;
      if (pad > 0) writeAll(fd, zeros.subarray(0, pad));
      total += bytes.length + pad;
      onTensor?.(i + 1, tensors.length);
      await new Promise((r) => setImmediate(r));
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  return total;
}

/**
 * Rewrites only the tensor data of an existing GGUF file, in place, after checking that its header (metadata,
 * names, shapes, types, offsets) is byte for byte the one these tensors produce. llama.cpp on the CPU computes
 * straight from the pages it mmapped, so a model loaded from `path` sees the new weights on its next decode
 * without a reload (its KV cache still holds values computed with the old ones). Not atomic: call it only
 * while no decode runs. Resolves to the bytes written.
 */
export async function rewriteGgufData(
  path: string,
  metadata: GgufMetadata,
  tensors: readonly GgufTensorSpec[],
): Promise<number> {
  const { header, sizes } = encodeGgufHeader(metadata, tensors);
  const fd = openSync(path, "r+");
  try {
    const have = Buffer.alloc(header.length);
    const n = readSync(fd, have, 0, header.length, 0);
    if (n !== header.length || !have.equals(header)) {
      throw new Error(
        `${path}: the GGUF header differs from these tensors' (shapes, types or metadata changed); write a new file`,
      );
    }
    let offset = header.length;
    let written = 0;
    for (let i = 0; i < tensors.length; i++) {
      const bytes = encodeTensorData(tensors[i].data(), tensors[i].type);
      if (bytes.length !== sizes[i])
        throw new Error(
          `GGUF tensor ${tensors[i].name}: encoded ${bytes.length} bytes, expected ${sizes[i]}`,
        );
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, offset + done);
      offset += alignUp(sizes[i], GGUF_ALIGNMENT);
      written += bytes.length;
      await new Promise((r) => setImmediate(r));
    }
    return written;
  } finally {
    closeSync(fd);
  }
}

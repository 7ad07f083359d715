/**
 * Model weights as Hugging Face stores them in a directory: one `model.safetensors`, or shards
 * `model-00001-of-0000N.safetensors` listed by `model.safetensors.index.json` (`{metadata: {total_size},
 * weight_map: {tensor: shard file}}`), the layout `save_pretrained` writes.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DTYPE_BYTES } from "./dtype";
import {
  numel,
  readSafetensors,
  type StoredTensor,
  type TensorToWrite,
  writeSafetensors,
} from "./safetensors";

/** File name of an unsharded checkpoint. */
export const SINGLE_FILE = "model.safetensors";
/** File name of the shard index. */
export const INDEX_FILE = "model.safetensors.index.json";
/** Default shard size limit, as transformers' `max_shard_size="5GB"`. */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;

/** Shard file name, 1-based: `model-00001-of-00003.safetensors`. */
export function shardFileName(i: number, n: number): string {
  const pad = (k: number) => String(k).padStart(5, "0");
  return `model-${pad(i)}-of-${pad(n)}.safetensors`;
}

function tensorBytes(t: TensorToWrite): number {
  return numel(t.shape) * DTYPE_BYTES[t.dtype];
}

/**
 * Split tensors into shards of at most `maxShardBytes` each, greedily in order; a tensor larger than the limit
 * gets a shard of its own (as transformers does).
 */
export function planShards(
  entries: Array<[string, TensorToWrite]>,
  maxShardBytes: number,
): Array<Array<[string, TensorToWrite]>> {
  const shards: Array<Array<[string, TensorToWrite]>> = [];
  let cur: Array<[string, TensorToWrite]> = [];
  let curBytes = 0;
  for (const e of entries) {
    const b = tensorBytes(e[1]);
    if (cur.length > 0 && curBytes + b > maxShardBytes) {
      shards.push(cur);
      cur = [];
      curBytes = 0;
    }
    cur.push(e);
    curBytes += b;
  }
  if (cur.length > 0 || shards.length === 0) shards.push(cur);
  return shards;
}

/**
 * Write weights into `dir` (which must exist): `model.safetensors` when everything fits under `maxShardBytes`,
 * else shards plus the index. Returns the file names written.
 */
export function writeSafetensorsDir(
  dir: string,
  tensors: Iterable<[string, TensorToWrite]>,
  maxShardBytes: number = DEFAULT_MAX_SHARD_BYTES,
): string[] {
  const entries = [...tensors];
  const shards = planShards(entries, maxShardBytes);
  if (shards.length === 1) {
    writeSafetensors(join(dir, SINGLE_FILE), entries);
    return [SINGLE_FILE];
  }
  const weightMap: Record<string, string> = {};
  const files: string[] = [];
  shards.forEach((shard, i) => {
    const name = shardFileName(i + 1, shards.length);
    writeSafetensors(join(dir, name), shard);
    for (const [t] of shard) weightMap[t] = name;
    files.push(name);
  });
  const totalSize = entries.reduce((s, [, t]) => s + tensorBytes(t), 0);
  writeFileSync(
    join(dir, INDEX_FILE),
    `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2)}\n`,
  );
  return [...files, INDEX_FILE];
}

function readIndex(path: string): Map<string, string[]> {
  let json: { weight_map?: unknown };
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const map = json.weight_map;
  if (typeof map !== "object" || map === null) throw new Error(`${path}: no "weight_map" object`);
  const byFile = new Map<string, string[]>();
  for (const [tensor, file] of Object.entries(map as Record<string, unknown>)) {
    if (typeof file !== "string") throw new Error(`${path}: weight_map["${tensor}"] is not a file name`);
    const list = byFile.get(file) ?? [];
    list.push(tensor);
    byFile.set(file, list);
  }
  return byFile;
}

/**
 * Read all weights of a model directory: the shards named by `model.safetensors.index.json` when it exists
 * (every tensor it lists must be in its shard, else an error naming both), else `model.safetensors`.
 */
export function readSafetensorsDir(dir: string): Map<string, StoredTensor> {
  const indexPath = join(dir, INDEX_FILE);
  if (existsSync(indexPath)) {
    const out = new Map<string, StoredTensor>();
    for (const [file, names] of readIndex(indexPath)) {
      const path = join(dir, file);
      if (!existsSync(path))
        throw new Error(`${indexPath}: shard ${file} (holding "${names[0]}") does not exist`);
      for (const [name, t] of readSafetensors(path, names)) out.set(name, t);
    }
    return out;
  }
  const single = join(dir, SINGLE_FILE);
  if (!existsSync(single)) throw new Error(`${dir}: neither ${SINGLE_FILE} nor ${INDEX_FILE} found`);
  return readSafetensors(single);
}

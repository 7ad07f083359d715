/**
 * Qwen2 checkpoints → GGUF: from an in-memory Qwen2ForCausalLM or from a Hugging Face model directory
 * (config.json, safetensors, tokenizer files). Directory conversions are cached under
 * `<OPEN_RS_CACHE>/gguf/` by a content hash of the files that define the model, so converting the same
 * checkpoint twice costs one hash.
 */
import { createHash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, join, resolve } from "node:path";
import { defaultCacheDir } from "../hub/config";
import { readSafetensors, readSafetensorsHeader } from "../io/safetensors";
import { INDEX_FILE, SINGLE_FILE } from "../io/sharded";
import { parseQwen2Config } from "../model/config";
import type { Qwen2ForCausalLM } from "../model/qwen2";
import { isTransposedParam, transpose2d } from "../model/weights";
import type { GgufOutType } from "./format";
import { qwen2Metadata, qwen2Tensors, type TensorSource } from "./qwen2";
import { placeholderTokenizerMetadata, type TokenizerFiles, tokenizerMetadata } from "./tokenizer";
import { rewriteGgufData, writeGgufFile } from "./writer";

/** Bumped whenever the bytes written for the same input change (invalidates cached conversions). */
export const CONVERTER_VERSION = 1;

/** The GGUF weight types, for validation of user input. */
export const GGUF_OUT_TYPES: readonly GgufOutType[] = ["F32", "F16", "Q8_0"];

/** Parses a user-given type ("f16", "Q8_0", ...); throws a one-line error naming the choices. */
export function parseGgufOutType(s: string, where = "type"): GgufOutType {
  const t = ({ f32: "F32", f16: "F16", q8_0: "Q8_0", q8: "Q8_0" } as const)[s.toLowerCase() as "f32"];
  if (!t) throw new Error(`${where}: unknown GGUF type "${s}"; use one of ${GGUF_OUT_TYPES.join(", ")}`);
  return t;
}

/** Options of {@link writeQwen2Gguf}. */
export interface WriteQwen2GgufOptions {
  /** HF config.json object. */
  config: Record<string, unknown>;
  tensors: TensorSource;
  /** Tokenizer files; null writes placeholder tokens (token ids only). */
  tokenizer: TokenizerFiles | null;
  type: GgufOutType;
  /** `general.name`. */
  name: string;
  /** Where errors say the weights came from. */
  source: string;
  onTensor?: (done: number, total: number) => void;
  /** Rewrite the tensor data of an existing file of identical layout in place (see `rewriteGgufData`). */
  inPlace?: boolean;
}

/** What a conversion produced. */
export interface GgufWriteResult {
  path: string;
  bytes: number;
  /** Things the user should know (e.g. the tokenizer is only approximated by llama.cpp's own tokenizer). */
  notes: string[];
}

/** Writes one Qwen2 GGUF file (atomically). */
export async function writeQwen2Gguf(path: string, opts: WriteQwen2GgufOptions): Promise<GgufWriteResult> {
  const cfg = parseQwen2Config(opts.config, `${opts.source} config`);
  const tok = opts.tokenizer
    ? tokenizerMetadata(opts.tokenizer, cfg.vocab_size, opts.config)
    : placeholderTokenizerMetadata(cfg.vocab_size, opts.config);
  const meta = [...qwen2Metadata(cfg, opts.name, opts.type), ...tok.entries];
  const tensors = qwen2Tensors(cfg, opts.tensors, opts.type, opts.source);
  const bytes = opts.inPlace
    ? await rewriteGgufData(path, meta, tensors)
    : await writeGgufFile(path, meta, tensors, opts.onTensor);
  return { path, bytes, notes: tok.notes };
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${path}: cannot read JSON (${(err as Error).message})`);
  }
}

/** Tokenizer files of a directory, or null when it has no tokenizer.json. */
export function readTokenizerFiles(dir: string): TokenizerFiles | null {
  const jsonPath = join(dir, "tokenizer.json");
  if (!existsSync(jsonPath)) return null;
  const cfgPath = join(dir, "tokenizer_config.json");
  const tokenizerConfig = existsSync(cfgPath) ? readJson(cfgPath) : {};
  const jinja = join(dir, "chat_template.jinja");
  let chatTemplate = typeof tokenizerConfig.chat_template === "string" ? tokenizerConfig.chat_template : null;
  if (chatTemplate === null && existsSync(jinja)) chatTemplate = readFileSync(jinja, "utf8");
  return { tokenizerJson: readJson(jsonPath), tokenizerConfig, chatTemplate };
}

/** A tensor source over an in-memory model: reads one variable at a time, back in the HF layout. */
export function modelTensorSource(model: Qwen2ForCausalLM): TensorSource {
  const shapes = new Map<string, { shape: number[] }>();
  for (const [name, v] of model.params) {
    const shape = v.shape as number[];
    shapes.set(name, { shape: isTransposedParam(name) ? [shape[1], shape[0]] : shape.slice() });
  }
  return {
    shapes,
    read(name) {
      const v = model.params.get(name)!;
      const data = v.dataSync() as Float32Array;
      const [rows, cols] = v.shape as number[];
      return isTransposedParam(name) ? transpose2d(data, rows, cols) : Float32Array.from(data);
    },
  };
}

/** The safetensors files of an HF directory and which file holds each tensor. */
function safetensorsFiles(dir: string): { files: string[]; fileOf: Map<string, string> } {
  const fileOf = new Map<string, string>();
  const indexPath = join(dir, INDEX_FILE);
  if (existsSync(indexPath)) {
    const map = readJson(indexPath).weight_map as Record<string, string> | undefined;
    if (!map || typeof map !== "object") throw new Error(`${indexPath}: no weight_map`);
    for (const [t, f] of Object.entries(map)) fileOf.set(t, f);
    return { files: [...new Set(fileOf.values())].sort(), fileOf };
  }
  if (!existsSync(join(dir, SINGLE_FILE)))
    throw new Error(`${dir}: neither ${SINGLE_FILE} nor ${INDEX_FILE} found`);
  return { files: [SINGLE_FILE], fileOf };
}

/** A tensor source over an HF directory: shapes from the safetensors headers, data read lazily (as f32). */
export function hfDirTensorSource(dir: string): TensorSource {
  const { files, fileOf } = safetensorsFiles(dir);
  const shapes = new Map<string, { shape: number[] }>();
  for (const f of files) {
    const path = join(dir, f);
    if (!existsSync(path)) throw new Error(`${dir}: shard ${f} named by ${INDEX_FILE} does not exist`);
    for (const [name, info] of readSafetensorsHeader(path).tensors) {
      shapes.set(name, { shape: info.shape });
      if (!fileOf.has(name)) fileOf.set(name, f);
    }
  }
  return {
    shapes,
    read(name) {
      const t = readSafetensors(join(dir, fileOf.get(name)!), [name]).get(name)!;
      if (!(t.data instanceof Float32Array))
        throw new Error(`${dir}: tensor "${name}" is ${t.dtype}, not a float`);
      return t.data;
    },
  };
}

/**
 * Writes a GGUF of an in-memory model (e.g. after training steps). `tokenizerDir` supplies the vocabulary.
 * `inPlace` rewrites only the weights of a file this function wrote before with the same options and shapes,
 * which a llama.cpp model loaded from it on the CPU picks up without a reload.
 */
export async function modelToGguf(
  model: Qwen2ForCausalLM,
  path: string,
  opts: { type?: GgufOutType; tokenizerDir?: string | null; name?: string; inPlace?: boolean } = {},
): Promise<GgufWriteResult> {
  return writeQwen2Gguf(path, {
    config: model.config,
    tensors: modelTensorSource(model),
    tokenizer: opts.tokenizerDir ? readTokenizerFiles(opts.tokenizerDir) : null,
    type: opts.type ?? "F32",
    name: opts.name ?? "open-rs-ts model",
    source: "model",
    inPlace: opts.inPlace,
  });
}

/** Files whose content defines a converted model, relative to the directory, sorted. */
export function definingFiles(dir: string): string[] {
  const names = ["config.json", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja", INDEX_FILE];
  const present = names.filter((n) => existsSync(join(dir, n)));
  const st = readdirSync(dir).filter((f) => f.endsWith(".safetensors"));
  return [...present, ...st].sort();
}

async function hashFile(h: ReturnType<typeof createHash>, path: string): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 8 << 20 })) h.update(chunk as Buffer);
}

interface HashMemo {
  [dir: string]: { stamp: string; hash: string };
}

/**
 * sha256 over the converter version and the defining files (names and contents). A memo in the cache keyed on
 * (path, size, mtime) of those files skips re-reading unchanged multi-GB checkpoints.
 */
export async function contentHash(dir: string, cacheDir: string): Promise<string> {
  const abs = resolve(dir);
  const files = definingFiles(abs);
  const stamp = JSON.stringify(
    files.map((f) => {
      const s = statSync(join(abs, f));
      return [f, s.size, s.mtimeMs];
    }),
  );
  const memoPath = join(cacheDir, "gguf", "hash-memo.json");
  let memo: HashMemo = {};
  try {
    memo = JSON.parse(readFileSync(memoPath, "utf8")) as HashMemo;
  } catch {
    memo = {};
  }
  if (memo[abs]?.stamp === stamp) return memo[abs].hash;
  const h = createHash("sha256");
  h.update(`open-rs-ts gguf converter v${CONVERTER_VERSION}\n`);
  for (const f of files) {
    h.update(`${f}\n`);
    await hashFile(h, join(abs, f));
  }
  const hash = h.digest("hex");
  memo[abs] = { stamp, hash };
  try {
    mkdirSync(join(cacheDir, "gguf"), { recursive: true });
    writeFileSync(memoPath, JSON.stringify(memo));
  } catch {
    // the memo is an optimisation only
  }
  return hash;
}

/** Options of {@link convertHfDir}. */
export interface ConvertOptions {
  /** Default "F32". */
  type?: GgufOutType;
  /** Output file; default `<cacheDir>/gguf/<dirname>-<type>-<hash12>.gguf` (cached). */
  outFile?: string;
  /** Cache root; default `OPEN_RS_CACHE`, else `~/.cache/open-rs-ts`. */
  cacheDir?: string;
  /** Convert even when the cached file exists. */
  force?: boolean;
  /** Progress: tensors written so far. */
  onTensor?: (done: number, total: number) => void;
}

/** What {@link convertHfDir} did. */
export interface ConvertResult extends GgufWriteResult {
  /** True when the file came from the cache (nothing was written). */
  cached: boolean;
  /** Content hash of the source directory. */
  hash: string;
  /** Wall seconds (hashing + conversion). */
  seconds: number;
}

/** Converts an HF Qwen2 directory to GGUF (cached by content hash unless `outFile` is given). */
export async function convertHfDir(dir: string, opts: ConvertOptions = {}): Promise<ConvertResult> {
  const t0 = performance.now();
  const abs = resolve(dir);
  if (!existsSync(join(abs, "config.json")))
    throw new Error(`${abs}: no config.json (not a Hugging Face model directory)`);
  const type = opts.type ?? "F32";
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const hash = await contentHash(abs, cacheDir);
  const path = opts.outFile
    ? resolve(opts.outFile)
    : join(cacheDir, "gguf", `${basename(abs)}-${type}-${hash.slice(0, 12)}.gguf`);
  if (!opts.force && !opts.outFile && existsSync(path)) {
    return {
      path,
      bytes: statSync(path).size,
      notes: [],
      cached: true,
      hash,
      seconds: (performance.now() - t0) / 1000,
    };
  }
  const res = await writeQwen2Gguf(path, {
    config: readJson(join(abs, "config.json")),
    tensors: hfDirTensorSource(abs),
    tokenizer: readTokenizerFiles(abs),
    type,
    name: basename(abs),
    source: abs,
    onTensor: opts.onTensor,
  });
  return { ...res, cached: false, hash, seconds: (performance.now() - t0) / 1000 };
}

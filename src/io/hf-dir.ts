/**
 * Load and save Hugging Face model directories: config.json, safetensors weights (single or sharded),
 * generation_config.json and the tokenizer files, laid out as `save_pretrained` does so that transformers and
 * vLLM can load what we save.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { FloatDtype } from "./dtype";
import { asFloatTensors } from "./safetensors";
import { DEFAULT_MAX_SHARD_BYTES, readSafetensorsDir, writeSafetensorsDir } from "./sharded";

/** One weight tensor, decoded to f32. `dtype` is what the file stored (e.g. "BF16"). */
export interface HfTensor {
  dtype: string;
  shape: number[];
  data: Float32Array;
}

/** A loaded model directory. */
export interface HfModelDir {
  /** config.json as parsed (HF snake_case keys). */
  config: Record<string, unknown>;
  /** Every weight, by its HF name (e.g. "model.layers.0.self_attn.q_proj.weight"). */
  tensors: Map<string, HfTensor>;
  /** Absolute path of the directory. */
  dir: string;
}

/** What `saveHfModelDir` writes. */
export interface SaveHfModelDirOptions {
  /** config.json content. `architectures` and `model_type` default to Qwen2's; `torch_dtype` is set from `dtype`. */
  config: Record<string, unknown>;
  /** f32 weights by HF name. */
  tensors: Map<string, { shape: readonly number[]; data: Float32Array }>;
  /** On-disk dtype; default "F32". BF16 rounds to nearest even. */
  dtype?: FloatDtype;
  /** generation_config.json content; default `{bos_token_id, eos_token_id}` taken from config. */
  generationConfig?: Record<string, unknown>;
  /** A directory whose tokenizer files (tokenizer.json, tokenizer_config.json, ...) are copied alongside. */
  tokenizerDir?: string;
  /** Shard above this many bytes per file; default 5 GB (transformers' default). */
  maxShardBytes?: number;
}

/** Tokenizer files copied by `saveHfModelDir` when present in `tokenizerDir`. */
export const TOKENIZER_FILES: readonly string[] = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "added_tokens.json",
  "vocab.json",
  "merges.txt",
  "chat_template.jinja",
];

const TORCH_DTYPE: Readonly<Record<FloatDtype, string>> = {
  F32: "float32",
  F16: "float16",
  BF16: "bfloat16",
};

function readJson(path: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: cannot read JSON (${(err as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new Error(`${path}: not a JSON object`);
  return json as Record<string, unknown>;
}

/** Options of {@link loadHfModelDir}. */
export interface LoadHfModelDirOptions {
  /**
   * Load weights with NaN or ±Inf entries, with a warning, instead of failing. Default: the environment
   * variable OPEN_RS_ALLOW_NONFINITE=1.
   */
  allowNonFinite?: boolean;
  /** Receives that warning. Default console.warn. */
  warn?: (message: string) => void;
}

/** Index of the first NaN or ±Inf in `data`, or -1. */
export function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/**
 * Load `dir`: config.json and every weight as f32 (F16/BF16 widened exactly, I32/I64 converted to numbers).
 * Throws naming the file and tensor on a malformed or incomplete checkpoint, or on a weight that is NaN or
 * infinite (unless allowed; see {@link LoadHfModelDirOptions}).
 */
export async function loadHfModelDir(dir: string, opts: LoadHfModelDirOptions = {}): Promise<HfModelDir> {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new Error(`${abs}: no such model directory; check the path`);
  const configPath = join(abs, "config.json");
  if (!existsSync(configPath)) throw new Error(`${abs}: no config.json (not a Hugging Face model directory)`);
  const config = readJson(configPath);
  const allow = opts.allowNonFinite ?? process.env.OPEN_RS_ALLOW_NONFINITE === "1";
  const tensors = new Map<string, HfTensor>();
  for (const [name, t] of readSafetensorsDir(abs)) {
    const data =
      t.data instanceof Float32Array
        ? t.data
        : Float32Array.from(t.data as ArrayLike<number | bigint>, Number);
    const bad = firstNonFinite(data);
    if (bad >= 0) {
      const what = `${abs}: tensor "${name}" holds ${data[bad]} at index ${bad} of ${data.length}`;
      if (!allow) {
        throw new Error(
          `${what}: the weights are corrupt (re-download or re-save them), or set OPEN_RS_ALLOW_NONFINITE=1 to load them anyway`,
        );
      }
      (opts.warn ?? console.warn)(`warning: ${what}; loading anyway (OPEN_RS_ALLOW_NONFINITE=1)`);
    }
    tensors.set(name, { dtype: t.dtype, shape: t.shape, data });
  }
  return { config, tensors, dir: abs };
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** fsync a file or directory by path (directories too, so a rename inside them is durable). */
export function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Write everything into `tmp` (already created). */
function writeContents(tmp: string, opts: SaveHfModelDirOptions): void {
  const dtype = opts.dtype ?? "F32";
  const config = {
    architectures: ["Qwen2ForCausalLM"],
    model_type: "qwen2",
    ...opts.config,
    torch_dtype: TORCH_DTYPE[dtype],
  };
  writeJson(join(tmp, "config.json"), config);
  const generation = opts.generationConfig ?? {
    bos_token_id: opts.config.bos_token_id,
    eos_token_id: opts.config.eos_token_id,
  };
  writeJson(join(tmp, "generation_config.json"), generation);
  writeSafetensorsDir(
    tmp,
    asFloatTensors(opts.tensors, dtype),
    opts.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES,
  );
  if (opts.tokenizerDir !== undefined) {
    const src = resolve(opts.tokenizerDir);
    const found = TOKENIZER_FILES.filter((f) => existsSync(join(src, f)));
    if (!found.includes("tokenizer.json")) throw new Error(`tokenizerDir ${src}: no tokenizer.json to copy`);
    for (const f of found) copyFileSync(join(src, f), join(tmp, f));
  }
  for (const f of readdirSync(tmp)) fsyncPath(join(tmp, f));
  fsyncPath(tmp);
}

/**
 * Save a model directory atomically: everything is written into a temporary sibling directory and fsynced,
 * then renamed to `dir`. An existing `dir` is moved aside only once the new one is complete, and removed after
 * the rename (if that rename fails, the old directory is put back). Readers never see a half-written checkpoint.
 */
export async function saveHfModelDir(dir: string, opts: SaveHfModelDirOptions): Promise<void> {
  const target = resolve(dir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const tmp = join(parent, `.${basename(target)}.tmp-${tag}`);
  mkdirSync(tmp);
  try {
    writeContents(tmp, opts);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  if (!existsSync(target)) {
    renameSync(tmp, target);
  } else {
    const old = join(parent, `.${basename(target)}.old-${tag}`);
    renameSync(target, old);
    try {
      renameSync(tmp, target);
    } catch (err) {
      renameSync(old, target);
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    rmSync(old, { recursive: true, force: true });
  }
  fsyncPath(parent);
}

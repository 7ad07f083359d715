/**
 * Loaders of the llama.cpp engine: from a Hugging Face directory (converted to GGUF, cached by content hash),
 * from a .gguf file, or from an in-memory Qwen2ForCausalLM (written to a temporary GGUF).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { convertHfDir, modelToGguf } from "../gguf/convert";
import type { Qwen2ForCausalLM } from "../model/qwen2";
import { HfTokenizer } from "../tokenizer/tokenizer";
import type { TokenizerLike } from "../tokenizer/types";
import { LlamaCppEngine, type LlamaEngineOptions } from "./llama-cpp";
import { defaultLlamaThreads, getLlamaRuntime, threadpoolWarning } from "./llama-runtime";

let warned = false;

/** Opens a GGUF file as an engine (the loaders below, and the GRPO rollout engine). */
export async function openGguf(
  path: string,
  tokenizer: TokenizerLike,
  config: Record<string, unknown>,
  opts: LlamaEngineOptions & { label: string },
): Promise<LlamaCppEngine> {
  const warning = threadpoolWarning(opts.threads ?? defaultLlamaThreads());
  if (warning && !warned) {
    warned = true;
    console.warn(`open-rs llama.cpp: ${warning}`);
  }
  const llama = await getLlamaRuntime({ gpu: opts.gpu, threads: opts.threads });
  const t0 = performance.now();
  const model = await llama.loadModel({ modelPath: path, gpuLayers: llama.gpu === false ? 0 : "auto" });
  opts.onProgress?.(
    `llama.cpp: loaded ${basename(path)} on ${llama.gpu === false ? "CPU" : llama.gpu} in ${((performance.now() - t0) / 1000).toFixed(2)} s`,
  );
  return new LlamaCppEngine(llama, model, tokenizer, config, path, opts);
}

function readConfig(dir: string): Record<string, unknown> {
  const p = join(dir, "config.json");
  try {
    return JSON.parse(readFileSync(p, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${p}: cannot read JSON (${(err as Error).message})`);
  }
}

/**
 * Loads a model into llama.cpp in-process: an HF directory is converted to GGUF first (cached; `opts.type`,
 * default F32), a .gguf file is loaded as it is (pass `tokenizer` or `tokenizerDir`, and `config` for its EOS
 * ids). Runs on a GPU when llama.cpp finds one (`opts.gpu`), else on the CPU.
 */
export async function loadLlamaEngine(
  source: string,
  opts: LlamaEngineOptions = {},
): Promise<LlamaCppEngine> {
  const abs = resolve(source);
  if (!existsSync(abs)) throw new Error(`${abs}: no such file or directory`);
  if (statSync(abs).isFile()) {
    if (!abs.endsWith(".gguf")) throw new Error(`${abs}: not a .gguf file or a Hugging Face model directory`);
    const tokDir = opts.tokenizerDir;
    const tokenizer = opts.tokenizer ?? (tokDir ? HfTokenizer.fromDir(tokDir) : null);
    if (!tokenizer)
      throw new Error(`${abs}: a bare .gguf needs a tokenizer (pass tokenizer or tokenizerDir)`);
    return openGguf(abs, tokenizer, opts.config ?? {}, {
      ...opts,
      label: opts.label ?? basename(abs, ".gguf"),
    });
  }
  const config = opts.config ?? readConfig(abs);
  const tokenizer = opts.tokenizer ?? HfTokenizer.fromDir(opts.tokenizerDir ?? abs);
  const conv = await convertHfDir(abs, {
    type: opts.type,
    cacheDir: opts.cacheDir,
    onTensor: (done, total) => {
      if (done === total) opts.onProgress?.(`GGUF: converted ${total} tensors`);
    },
  });
  opts.onProgress?.(
    conv.cached
      ? `GGUF: cached ${conv.path}`
      : `GGUF: wrote ${conv.path} (${(conv.bytes / 2 ** 20).toFixed(1)} MiB, ${conv.seconds.toFixed(2)} s)`,
  );
  for (const n of conv.notes) opts.onProgress?.(`GGUF note: ${n}`);
  return openGguf(conv.path, tokenizer, config, { ...opts, label: opts.label ?? basename(abs) });
}

/**
 * Loads an in-memory model into llama.cpp through a temporary GGUF (removed on `dispose`). `tokenizerDir`
 * gives the GGUF its vocabulary (else placeholder tokens; generation by ids works either way).
 */
export async function llamaEngineFromModel(
  model: Qwen2ForCausalLM,
  tokenizer: TokenizerLike,
  opts: LlamaEngineOptions = {},
): Promise<LlamaCppEngine> {
  const dir = mkdtempSync(join(tmpdir(), "open-rs-gguf-"));
  try {
    const path = join(dir, "model.gguf");
    await modelToGguf(model, path, {
      type: opts.type,
      tokenizerDir: opts.tokenizerDir ?? null,
      name: opts.label,
    });
    const engine = await openGguf(path, tokenizer, model.config, { ...opts, label: opts.label ?? "model" });
    engine.onDispose(() => rmSync(dir, { recursive: true, force: true }));
    return engine;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

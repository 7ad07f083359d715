/** A local checkpoint as a text engine for evals and the server: load model and tokenizer from a directory. */
import * as path from "node:path";
import { initBackend } from "../backend/select";
import { Qwen2ForCausalLM } from "../model/qwen2";
import { generate } from "../sampler/generate";
import { HfTokenizer } from "../tokenizer/tokenizer";
import { localEngine, type TextEngine } from "./engine";

/** Options of {@link loadLocalEngine}. */
export interface LoadLocalEngineOptions {
  /** Model name reported by the server and stored in results. Default: the directory's base name. */
  label?: string;
  /** Tokenizer directory, when it is not the model directory. */
  tokenizerDir?: string;
  /** Sequences decoded together (bounds the wasm heap). Default 8. */
  microBatch?: number;
  /** Skip backend selection (the caller already ran `initBackend`). */
  skipBackendInit?: boolean;
  /** Worker threads that sample (see `localEngine`); default 0: in this process (what `open-rs serve` streams from). */
  workers?: number;
}

/**
 * Loads a Hugging Face model directory (config.json + safetensors + tokenizer files) as a {@link TextEngine}:
 * our tfjs Qwen2, the directory's tokenizer and chat template, and the sampler's `generate`. Both the
 * in-process eval runner and `open-rs serve` use this, so they decode identically.
 */
export async function loadLocalEngine(dir: string, opts: LoadLocalEngineOptions = {}): Promise<TextEngine> {
  return (await loadLocalModel(dir, opts)).engine;
}

/** {@link loadLocalEngine}, also handing back the model (what `open-rs serve --allow-reload` loads weights into). */
export async function loadLocalModel(
  dir: string,
  opts: LoadLocalEngineOptions = {},
): Promise<{ engine: TextEngine; model: Qwen2ForCausalLM }> {
  if (!opts.skipBackendInit) await initBackend();
  const model = await Qwen2ForCausalLM.fromPretrained(dir);
  let tokenizer: HfTokenizer;
  try {
    tokenizer = HfTokenizer.fromDir(opts.tokenizerDir ?? dir);
  } catch (e) {
    throw new Error(
      `cannot load the tokenizer from ${opts.tokenizerDir ?? dir} (${(e as Error).message}); pass a tokenizer directory (--tokenizer DIR)`,
    );
  }
  const label = opts.label ?? path.basename(path.resolve(dir));
  const engine = localEngine(model, tokenizer, generate, {
    label,
    microBatch: opts.microBatch ?? 8,
    workers: opts.workers ?? 0,
  });
  return { engine, model };
}

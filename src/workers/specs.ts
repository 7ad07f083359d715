/**
 * Models and tokenizers as plain data, so that a worker thread or process can rebuild them: a Qwen2 model is
 * its HF config plus its weights by HF name (Float32Arrays travel by structured clone), a tokenizer its
 * tokenizer.json and tokenizer_config.json.
 */
import { Qwen2ForCausalLM } from "../model/qwen2";
import type { CausalLM } from "../model/types";
import type { HostTensor } from "../model/weights";
import { HfTokenizer, type HfTokenizerSpec } from "../tokenizer/tokenizer";
import type { TokenizerLike } from "../tokenizer/types";

/** A Qwen2 model as plain data. */
export interface ModelSpec {
  config: Record<string, unknown>;
  names: string[];
  tensors: HostTensor[];
}

/** Why a job cannot go to workers, for the error message. */
const IN_PROCESS_HINT = "pass { workers: 0 } to compute in this thread instead";

/** The model as plain data (reads its weights back); only Qwen2ForCausalLM can travel. */
export function modelSpec(model: CausalLM, role = "model"): ModelSpec {
  if (!(model instanceof Qwen2ForCausalLM)) {
    throw new Error(
      `the ${role} is not a Qwen2ForCausalLM, so it cannot be copied to worker threads; ${IN_PROCESS_HINT}`,
    );
  }
  const host = model.hostTensors();
  return { config: model.config, names: [...host.keys()], tensors: [...host.values()] };
}

/** Rebuild a model from {@link modelSpec}. */
export function buildModel(spec: ModelSpec, source = "worker copy"): Qwen2ForCausalLM {
  return new Qwen2ForCausalLM(spec.config, new Map(spec.names.map((n, i) => [n, spec.tensors[i]])), source);
}

/** The tokenizer as plain data; only HfTokenizer can travel. */
export function tokenizerSpec(tok: TokenizerLike): HfTokenizerSpec {
  if (!(tok instanceof HfTokenizer)) {
    throw new Error(
      `the tokenizer is not an HfTokenizer (HfTokenizer.fromDir), so worker processes cannot rebuild it; ${IN_PROCESS_HINT}`,
    );
  }
  return tok.toSpec();
}

export function buildTokenizer(spec: HfTokenizerSpec): HfTokenizer {
  return HfTokenizer.fromSpec(spec);
}

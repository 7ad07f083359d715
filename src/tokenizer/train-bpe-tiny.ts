/**
 * The tokenizer of the embedded tiny-r1 model: a byte-level BPE trained on the synthetic curriculum (problems and
 * SFT traces of the training split) plus the prompt texts every run shows the model, saved with the
 * DeepSeek-R1-Distill specials and chat template.
 */

import { OPEN_RS_SYSTEM_PROMPT } from "../data/prompt";
import { makeSftCorpus, makeSplits } from "../data/synthetic/index";
import { LIGHTEVAL_MATH_PROMPT } from "../eval/protocol";
import { DEEPSEEK_R1_DISTILL_QWEN_TEMPLATE } from "./templates";
import { type BpeModel, trainBpe } from "./train-bpe";
import {
  buildTokenizerConfig,
  buildTokenizerJson,
  DEEPSEEK_ADDED_TOKENS,
  DEEPSEEK_ROLES,
} from "./train-bpe-files";

/** Options of {@link trainTinyTokenizer}. */
export interface TinyTokenizerOptions {
  /** Seed of the curriculum splits and SFT traces. Default 1234. */
  seed: number;
  /** Training rows whose problems and traces form the corpus. Default 4000. */
  trainSize: number;
  /** Total vocabulary including the 7 added tokens. Default 832 (the corpus has no pair seen twice beyond 826 BPE tokens). */
  vocabSize: number;
  /** How many times each prompt text (system prompt, eval prompt) enters the corpus. Default 200. */
  promptWeight: number;
  /** `model_max_length` in tokenizer_config.json. Default 2048. */
  modelMaxLength: number;
}

/** Defaults of {@link TinyTokenizerOptions}. */
export const DEFAULT_TINY_TOKENIZER_OPTIONS: Readonly<TinyTokenizerOptions> = Object.freeze({
  seed: 1234,
  trainSize: 4000,
  vocabSize: 832,
  promptWeight: 200,
  modelMaxLength: 2048,
});

/** The training texts: problems, SFT completions, and the prompt texts repeated `promptWeight` times. */
export function tinyTokenizerCorpus(opts: Partial<TinyTokenizerOptions> = {}): string[] {
  const o = { ...DEFAULT_TINY_TOKENIZER_OPTIONS, ...opts };
  const { train } = makeSplits({ seed: o.seed, trainSize: o.trainSize });
  const sft = makeSftCorpus(train, o.seed);
  const prompts = [OPEN_RS_SYSTEM_PROMPT, LIGHTEVAL_MATH_PROMPT.replace("{Question}", "")];
  const texts = [...train.map((r) => r.problem), ...sft.map((e) => e.completion)];
  for (let i = 0; i < o.promptWeight; i++) texts.push(...prompts);
  return texts;
}

/** Train the tiny-r1 tokenizer; returns the model and the two JSON objects to save. */
export function trainTinyTokenizer(opts: Partial<TinyTokenizerOptions> = {}): {
  model: BpeModel;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
} {
  const o = { ...DEFAULT_TINY_TOKENIZER_OPTIONS, ...opts };
  const added = DEEPSEEK_ADDED_TOKENS;
  const model = trainBpe(tinyTokenizerCorpus(o), {
    vocabSize: o.vocabSize - added.length,
    specialTokens: added.map((t) => t.content),
  });
  return {
    model,
    tokenizerJson: buildTokenizerJson(model, added, DEEPSEEK_ROLES),
    tokenizerConfig: buildTokenizerConfig(
      model,
      added,
      DEEPSEEK_ROLES,
      DEEPSEEK_R1_DISTILL_QWEN_TEMPLATE,
      o.modelMaxLength,
    ),
  };
}

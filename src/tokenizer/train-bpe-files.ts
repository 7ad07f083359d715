/**
 * Serialise a trained {@link BpeModel} as a standard Hugging Face tokenizer directory: `tokenizer.json` (BPE model,
 * Digits + ByteLevel pre-tokenizer, ByteLevel decoder, BOS-adding post-processor, added tokens) and
 * `tokenizer_config.json` (special tokens and the chat template). Output bytes depend only on the inputs.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BpeModel } from "./train-bpe";
import { BYTE_LEVEL_DIGITS_PRE_TOKENIZER } from "./train-bpe-pretok";

/** One added token. `special: false` tokens survive `decode(..., skipSpecialTokens)` (as `</think>` must). */
export interface AddedTokenSpec {
  content: string;
  special: boolean;
}

/**
 * The DeepSeek-R1-Distill-Qwen specials in the order we append them after the BPE vocabulary. As upstream, BOS
 * and EOS are special while the role markers and think tags are not (rewards must see `</think>` in decoded
 * text). Upstream has no separate pad token (pad = EOS); we add `<｜▁pad▁｜>` (DeepSeek-V3's pad) so padding is
 * never confused with a real end of sequence.
 */
export const DEEPSEEK_ADDED_TOKENS: readonly AddedTokenSpec[] = Object.freeze([
  { content: "<｜begin▁of▁sentence｜>", special: true },
  { content: "<｜end▁of▁sentence｜>", special: true },
  { content: "<｜▁pad▁｜>", special: true },
  { content: "<｜User｜>", special: false },
  { content: "<｜Assistant｜>", special: false },
  { content: "<think>", special: false },
  { content: "</think>", special: false },
]);

/** Which added tokens play the bos/eos/pad roles. */
export interface SpecialRoles {
  bos: string;
  eos: string;
  pad: string;
}

/** Roles of {@link DEEPSEEK_ADDED_TOKENS}. */
export const DEEPSEEK_ROLES: Readonly<SpecialRoles> = Object.freeze({
  bos: "<｜begin▁of▁sentence｜>",
  eos: "<｜end▁of▁sentence｜>",
  pad: "<｜▁pad▁｜>",
});

/** Ids of the added tokens: right after the BPE vocabulary, in the given order. */
export function addedTokenIds(model: BpeModel, added: readonly AddedTokenSpec[]): Map<string, number> {
  return new Map(added.map((t, i) => [t.content, model.vocab.length + i]));
}

/** The `tokenizer.json` object (HF tokenizers format, version 1.0). */
export function buildTokenizerJson(
  model: BpeModel,
  added: readonly AddedTokenSpec[],
  roles: SpecialRoles,
): Record<string, unknown> {
  const ids = addedTokenIds(model, added);
  const bosId = ids.get(roles.bos);
  if (bosId === undefined)
    throw new Error(`buildTokenizerJson: bos '${roles.bos}' is not among the added tokens`);
  const vocab: Record<string, number> = {};
  model.vocab.forEach((tok, i) => {
    vocab[tok] = i;
  });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added.map((t) => ({
      id: ids.get(t.content),
      content: t.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: t.special,
    })),
    normalizer: null,
    pre_tokenizer: BYTE_LEVEL_DIGITS_PRE_TOKENIZER,
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: roles.bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: roles.bos, type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: roles.bos, type_id: 1 } },
        { Sequence: { id: "B", type_id: 1 } },
      ],
      special_tokens: { [roles.bos]: { id: roles.bos, ids: [bosId], tokens: [roles.bos] } },
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: model.merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

/** The `tokenizer_config.json` object (transformers format), with `chat_template`. */
export function buildTokenizerConfig(
  model: BpeModel,
  added: readonly AddedTokenSpec[],
  roles: SpecialRoles,
  chatTemplate: string,
  modelMaxLength = 2048,
): Record<string, unknown> {
  const ids = addedTokenIds(model, added);
  const decoder: Record<string, unknown> = {};
  for (const t of added) {
    decoder[String(ids.get(t.content))] = {
      content: t.content,
      lstrip: false,
      normalized: false,
      rstrip: false,
      single_word: false,
      special: t.special,
    };
  }
  return {
    add_bos_token: true,
    add_eos_token: false,
    added_tokens_decoder: decoder,
    bos_token: roles.bos,
    chat_template: chatTemplate,
    clean_up_tokenization_spaces: false,
    eos_token: roles.eos,
    legacy: true,
    model_max_length: modelMaxLength,
    pad_token: roles.pad,
    sp_model_kwargs: {},
    tokenizer_class: "LlamaTokenizerFast",
    unk_token: null,
    use_default_system_prompt: false,
  };
}

/** JSON text with a trailing newline; key order is construction order, so the bytes are reproducible. */
export function stableJson(obj: unknown): string {
  return `${JSON.stringify(obj, null, 2)}\n`;
}

/** Write `tokenizer.json` and `tokenizer_config.json` into `dir` (created if needed); returns their paths. */
export function writeTokenizerDir(dir: string, tokenizerJson: unknown, tokenizerConfig: unknown): string[] {
  mkdirSync(dir, { recursive: true });
  const paths = [join(dir, "tokenizer.json"), join(dir, "tokenizer_config.json")];
  writeFileSync(paths[0], stableJson(tokenizerJson));
  writeFileSync(paths[1], stableJson(tokenizerConfig));
  return paths;
}

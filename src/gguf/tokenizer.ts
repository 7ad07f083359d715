/**
 * GGUF tokenizer metadata from a Hugging Face byte-level BPE `tokenizer.json` (GPT-2 / Qwen2 style), as
 * llama.cpp's `convert_hf_to_gguf.py` writes it (`get_vocab_base`, `does_token_look_special`, `SpecialVocab`):
 * one token string per id up to the model's vocab_size, a type per token, the merges, the special ids and the
 * chat template.
 */
import { type GgufValue, gv } from "./format";

/** `tokenizer.ggml.token_type` values (llama.cpp `llama_token_type`). */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** Qwen2's pre-tokenizer regex (the `Split` pattern of Qwen2 / DeepSeek-R1-Distill-Qwen tokenizer.json). */
export const QWEN2_PRETOKENIZER_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Inputs of {@link tokenizerMetadata}. */
export interface TokenizerFiles {
  /** Parsed tokenizer.json. */
  tokenizerJson: Record<string, unknown>;
  /** Parsed tokenizer_config.json (`{}` when absent). */
  tokenizerConfig: Record<string, unknown>;
  /** The chat template (tokenizer_config's `chat_template` or chat_template.jinja), if any. */
  chatTemplate?: string | null;
}

/** The metadata and what the caller may want to tell the user. */
export interface TokenizerMetadata {
  entries: Array<[string, GgufValue]>;
  /** Notes for the user (e.g. a pre-tokenizer llama.cpp only approximates). */
  notes: string[];
}

interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
}

/** convert_hf_to_gguf's `does_token_look_special`: added tokens that should be CONTROL even if not special. */
export function looksSpecial(token: string): boolean {
  if (["<pad>", "<mask>", "<2mass>", "[@BOS@]"].includes(token)) return true;
  if (token.startsWith("<|") && token.endsWith("|>")) return true;
  if (token.startsWith("<｜") && token.endsWith("｜>")) return true;
  return token.startsWith("<unused") && token.endsWith(">");
}

function specialString(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { content?: unknown }).content === "string")
    return (v as { content: string }).content;
  return null;
}

function hasByteLevel(node: unknown): boolean {
  if (!node || typeof node !== "object") return false;
  const n = node as { type?: unknown; pretokenizers?: unknown[]; decoders?: unknown[] };
  if (n.type === "ByteLevel") return true;
  return [...(n.pretokenizers ?? []), ...(n.decoders ?? [])].some(hasByteLevel);
}

function splitRegexes(node: unknown): string[] {
  if (!node || typeof node !== "object") return [];
  const n = node as { type?: unknown; pattern?: { Regex?: unknown }; pretokenizers?: unknown[] };
  const own = n.type === "Split" && typeof n.pattern?.Regex === "string" ? [n.pattern.Regex] : [];
  return [...own, ...(n.pretokenizers ?? []).flatMap(splitRegexes)];
}

/** tokenizer.json's BPE model, checked to be byte-level BPE (the only kind that converts to GGUF). */
type BpeModel = { type: "BPE"; vocab: Record<string, number>; merges?: unknown[] };

function byteLevelBpe(files: TokenizerFiles): BpeModel {
  const model = files.tokenizerJson.model as
    | { type?: unknown; vocab?: Record<string, number>; merges?: unknown[] }
    | undefined;
  if (model?.type !== "BPE" || !model.vocab) {
    throw new Error(
      `tokenizer.json: model.type is ${JSON.stringify(model?.type)}; only byte-level BPE (GPT-2/Qwen2 style) converts to GGUF`,
    );
  }
  if (!hasByteLevel(files.tokenizerJson.pre_tokenizer) && !hasByteLevel(files.tokenizerJson.decoder)) {
    throw new Error(
      "tokenizer.json: no ByteLevel pre-tokenizer or decoder; only byte-level BPE converts to GGUF",
    );
  }
  return model as BpeModel;
}

/** One string and one token type per id below `vocabSize`; ids without a token get a `[PAD<id>]` UNUSED placeholder. */
function tokenTable(
  model: BpeModel,
  added: readonly AddedToken[],
  vocabSize: number,
): { tokens: string[]; types: Int32Array } {
  const given: Array<string | undefined> = new Array(vocabSize);
  const types = new Int32Array(vocabSize).fill(TokenType.NORMAL);
  const put = (id: number, s: string, where: string) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new Error(
        `tokenizer.json: ${where} ${JSON.stringify(s)} has id ${id}, outside the model's vocab_size ${vocabSize}`,
      );
    }
    given[id] = s;
  };
  for (const [s, id] of Object.entries(model.vocab)) put(id, s, "token");
  for (const t of added) {
    put(t.id, t.content, "added token");
    types[t.id] = t.special || looksSpecial(t.content) ? TokenType.CONTROL : TokenType.USER_DEFINED;
  }
  const tokens: string[] = new Array(vocabSize);
  for (let i = 0; i < vocabSize; i++) {
    if (given[i] === undefined) {
      tokens[i] = `[PAD${i}]`;
      types[i] = TokenType.UNUSED;
    } else tokens[i] = given[i]!;
  }
  return { tokens, types };
}

/** The merges as `"a b"` strings (tokenizer.json holds either form). */
function mergeStrings(model: BpeModel): string[] {
  return (model.merges ?? []).map((m, i) => {
    if (typeof m === "string") return m;
    if (Array.isArray(m) && m.length === 2 && m.every((x) => typeof x === "string")) return `${m[0]} ${m[1]}`;
    throw new Error(`tokenizer.json: model.merges[${i}] is neither "a b" nor ["a", "b"]`);
  });
}

/**
 * The bos/eos/pad ids and add_bos/add_eos flags: each special id from tokenizer_config.json's `bos_token` /
 * `eos_token` / `pad_token`, else config.json's `*_token_id`.
 */
function specialTokenEntries(
  files: TokenizerFiles,
  model: BpeModel,
  added: readonly AddedToken[],
  modelConfig: Record<string, unknown>,
): Array<[string, GgufValue]> {
  const cfg = files.tokenizerConfig;
  const entries: Array<[string, GgufValue]> = [];
  const idOf = (field: string, configField: string): number | null => {
    const s = specialString(cfg[field]);
    if (s !== null) {
      const id = s in model.vocab ? model.vocab[s] : added.find((t) => t.content === s)?.id;
      if (id === undefined)
        throw new Error(`tokenizer_config.json: ${field} ${JSON.stringify(s)} is not a token`);
      return id;
    }
    const c = modelConfig[configField];
    if (typeof c === "number") return c;
    if (Array.isArray(c) && typeof c[0] === "number") return c[0];
    return null;
  };
  for (const [key, field, configField] of [
    ["bos_token_id", "bos_token", "bos_token_id"],
    ["eos_token_id", "eos_token", "eos_token_id"],
    ["padding_token_id", "pad_token", "pad_token_id"],
  ] as const) {
    const id = idOf(field, configField);
    if (id !== null) entries.push([`tokenizer.ggml.${key}`, gv.u32(id)]);
  }
  for (const key of ["add_bos_token", "add_eos_token"]) {
    if (typeof cfg[key] === "boolean") entries.push([`tokenizer.ggml.${key}`, gv.bool(cfg[key] as boolean)]);
  }
  return entries;
}

/**
 * Builds the tokenizer.* metadata for a model whose embedding has `vocabSize` rows. Ids without a token get a
 * `[PAD<id>]` placeholder of type UNUSED (as convert_hf_to_gguf does). Special ids come from
 * tokenizer_config.json's `bos_token`/`eos_token`/`pad_token`, else from config.json's `*_token_id`.
 * Throws naming the field when the tokenizer is not byte-level BPE or has ids past `vocabSize`.
 */
export function tokenizerMetadata(
  files: TokenizerFiles,
  vocabSize: number,
  modelConfig: Record<string, unknown>,
): TokenizerMetadata {
  const model = byteLevelBpe(files);
  const added = (files.tokenizerJson.added_tokens ?? []) as AddedToken[];
  const { tokens, types } = tokenTable(model, added, vocabSize);
  const merges = mergeStrings(model);
  const notes: string[] = [];
  const regexes = splitRegexes(files.tokenizerJson.pre_tokenizer);
  if (!(regexes.length === 1 && regexes[0] === QWEN2_PRETOKENIZER_REGEX)) {
    notes.push(
      "the tokenizer's pre-tokenizer is not Qwen2's; the GGUF says `qwen2`, so llama.cpp's own text tokenizer " +
        "(llama-server, llama-cli) may split text differently from tokenizer.json. open-rs engines pass token ids " +
        "and are not affected.",
    );
  }
  const entries: Array<[string, GgufValue]> = [
    ["tokenizer.ggml.model", gv.str("gpt2")],
    ["tokenizer.ggml.pre", gv.str("qwen2")],
    ["tokenizer.ggml.tokens", gv.strs(tokens)],
    ["tokenizer.ggml.token_type", gv.i32s(types)],
    ["tokenizer.ggml.merges", gv.strs(merges)],
    ...specialTokenEntries(files, model, added, modelConfig),
  ];
  if (files.chatTemplate) entries.push(["tokenizer.chat_template", gv.str(files.chatTemplate)]);
  return { entries, notes };
}

/**
 * Placeholder vocabulary for a checkpoint without tokenizer.json (e.g. test fixtures): `[TOK<id>]` strings of
 * type NORMAL, no merges. llama.cpp loads it; only token ids (not text) are meaningful.
 */
export function placeholderTokenizerMetadata(vocabSize: number, modelConfig: Record<string, unknown>) {
  const entries: Array<[string, GgufValue]> = [
    ["tokenizer.ggml.model", gv.str("gpt2")],
    ["tokenizer.ggml.pre", gv.str("qwen2")],
    ["tokenizer.ggml.tokens", gv.strs(Array.from({ length: vocabSize }, (_, i) => `[TOK${i}]`))],
    ["tokenizer.ggml.token_type", gv.i32s(new Int32Array(vocabSize).fill(TokenType.NORMAL))],
    ["tokenizer.ggml.merges", gv.strs([])],
  ];
  for (const [key, field] of [
    ["bos_token_id", "bos_token_id"],
    ["eos_token_id", "eos_token_id"],
  ] as const) {
    const v = modelConfig[field];
    const id = typeof v === "number" ? v : Array.isArray(v) && typeof v[0] === "number" ? v[0] : null;
    if (id !== null && id >= 0 && id < vocabSize) entries.push([`tokenizer.ggml.${key}`, gv.u32(id)]);
  }
  return {
    entries,
    notes: ["no tokenizer.json: the GGUF has placeholder tokens; use it with token ids only"],
  };
}

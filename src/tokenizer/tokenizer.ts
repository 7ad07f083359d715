/**
 * `HfTokenizer`: any Hugging Face `tokenizer.json` + `tokenizer_config.json` through @huggingface/tokenizers,
 * with the config's chat template rendered by @huggingface/jinja (as transformers' `apply_chat_template`).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { checkTokenizer } from "./check";
import { renderChatTemplate } from "./templates";
import type { ChatMessage, TokenizerLike } from "./types";

/** Options for `HfTokenizer`. */
export interface HfTokenizerOptions {
  /** Use this chat template instead of the config's (e.g. DEEPSEEK_R1_DISTILL_QWEN_TEMPLATE on a tiny tokenizer). */
  chatTemplate?: string;
  /**
   * `fromDir` checks that digits round-trip and that the template's special tokens are in the vocabulary
   * (src/tokenizer/check.ts). Default true; false only for synthetic test vocabularies.
   */
  check?: boolean;
}

/** A special token in tokenizer_config.json: a plain string or an AddedToken-like `{content}` object. */
type SpecialTokenValue = string | { content?: unknown } | null | undefined;

/** The string of a special-token config value, or null when unset. */
export function specialTokenString(value: SpecialTokenValue): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "object" && typeof value.content === "string") return value.content;
  throw new Error(
    `special token ${JSON.stringify(value)} is neither a string nor an object with a string "content"`,
  );
}

function readJsonFile(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${path}: cannot read JSON (${(err as Error).message})`);
  }
}

/** An HfTokenizer as plain data (what worker threads and processes rebuild it from). */
export interface HfTokenizerSpec {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  chatTemplate?: string;
}

/** A Hugging Face tokenizer with its special tokens and chat template. Implements `TokenizerLike`. */
export class HfTokenizer implements TokenizerLike {
  readonly vocabSize: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  readonly bosTokenId: number | null;
  /** Special-token strings handed to the chat template (`bos_token`, `eos_token`, `pad_token`, `unk_token`). */
  readonly specialTokens: Readonly<Record<string, string>>;
  /** The Jinja chat template, or null when the config has none (applyChatTemplate then throws). */
  readonly chatTemplate: string | null;
  private readonly tok: Tokenizer;
  private readonly spec: HfTokenizerSpec;

  /**
   * @param tokenizerJson parsed tokenizer.json
   * @param tokenizerConfig parsed tokenizer_config.json (`eos_token`, `pad_token`, `bos_token`, `chat_template`)
   */
  constructor(
    tokenizerJson: Record<string, unknown>,
    tokenizerConfig: Record<string, unknown>,
    opts: HfTokenizerOptions = {},
  ) {
    this.tok = new Tokenizer(tokenizerJson, tokenizerConfig);
    this.spec = { tokenizerJson, tokenizerConfig, chatTemplate: opts.chatTemplate };
    let maxId = -1;
    for (const id of this.tok.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;

    const specials: Record<string, string> = {};
    for (const key of ["bos_token", "eos_token", "pad_token", "unk_token"]) {
      const s = specialTokenString(tokenizerConfig[key] as SpecialTokenValue);
      if (s !== null) specials[key] = s;
    }
    this.specialTokens = Object.freeze(specials);
    if (specials.eos_token === undefined)
      throw new Error("tokenizer_config.json has no eos_token; set one (e.g. <|im_end|>)");
    this.eosTokenId = this.requireId(specials.eos_token, "eos_token");
    // TRL sets pad = eos when the tokenizer has no pad token.
    this.padTokenId =
      specials.pad_token === undefined ? this.eosTokenId : this.requireId(specials.pad_token, "pad_token");
    this.bosTokenId =
      specials.bos_token === undefined ? null : this.requireId(specials.bos_token, "bos_token");
    const tpl = opts.chatTemplate ?? tokenizerConfig.chat_template;
    if (tpl !== undefined && tpl !== null && typeof tpl !== "string") {
      throw new Error(
        "chat_template is not a string (named template lists are not supported); pass opts.chatTemplate",
      );
    }
    this.chatTemplate = tpl ?? null;
  }

  /**
   * Load `dir/tokenizer.json` and `dir/tokenizer_config.json` (optional; `{}` when absent). A
   * `chat_template.jinja` file, as newer transformers save, is used when the config has no `chat_template`.
   */
  static fromDir(dir: string, opts: HfTokenizerOptions = {}): HfTokenizer {
    const abs = resolve(dir);
    const jsonPath = join(abs, "tokenizer.json");
    if (!existsSync(jsonPath))
      throw new Error(`${abs}: no tokenizer.json (a Hugging Face fast tokenizer is required)`);
    const configPath = join(abs, "tokenizer_config.json");
    const config = existsSync(configPath) ? readJsonFile(configPath) : {};
    const jinjaPath = join(abs, "chat_template.jinja");
    if (config.chat_template === undefined && existsSync(jinjaPath))
      config.chat_template = readFileSync(jinjaPath, "utf8");
    const json = readJsonFile(jsonPath);
    let tok: HfTokenizer;
    try {
      tok = new HfTokenizer(json, config, opts);
    } catch (e) {
      const msg = (e as Error).message;
      // our own messages name tokenizer_config.json; a library error means tokenizer.json is malformed
      const file = msg.includes("tokenizer_config.json") || msg.includes("chat_template") ? abs : jsonPath;
      throw new Error(
        `${file}: ${msg.includes("tokenizer_config.json") ? msg : `not a usable Hugging Face tokenizer (${msg})`}`,
      );
    }
    if (opts.check !== false) checkTokenizer(tok, abs);
    return tok;
  }

  /** The files this tokenizer was built from, as plain data ({@link HfTokenizer.fromSpec} rebuilds it). */
  toSpec(): HfTokenizerSpec {
    return this.spec;
  }

  /** Rebuild a tokenizer from {@link HfTokenizer.toSpec}. */
  static fromSpec(spec: HfTokenizerSpec): HfTokenizer {
    return new HfTokenizer(spec.tokenizerJson, spec.tokenizerConfig, { chatTemplate: spec.chatTemplate });
  }

  private requireId(token: string, field: string): number {
    const id = this.tok.token_to_id(token);
    if (id === undefined)
      throw new Error(`tokenizer_config.json ${field} ${JSON.stringify(token)} is not in the vocabulary`);
    return id;
  }

  /** Id of `token`, or undefined when it is not in the vocabulary (added tokens included). */
  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }

  /** Token string of `id`, or undefined when out of range. */
  idToToken(id: number): string | undefined {
    return this.tok.id_to_token(id);
  }

  /** Encode text; special-token strings in `text` map to their ids. `addSpecialTokens` defaults to false. */
  encode(text: string, opts: { addSpecialTokens?: boolean } = {}): number[] {
    return this.tok.encode(text, { add_special_tokens: opts.addSpecialTokens ?? false }).ids;
  }

  /** Decode ids; `skipSpecialTokens` defaults to true (as TRL decodes completions). */
  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    return this.tok.decode([...ids], { skip_special_tokens: opts.skipSpecialTokens ?? true });
  }

  /**
   * Render `messages` with the chat template; `addGenerationPrompt` defaults to false, as in transformers.
   * `vars` are extra template variables (e.g. Qwen3's `enable_thinking: false`).
   */
  applyChatTemplate(
    messages: ChatMessage[],
    opts: { addGenerationPrompt?: boolean; vars?: Record<string, unknown> } = {},
  ): string {
    if (this.chatTemplate === null) {
      throw new Error(
        "this tokenizer has no chat_template; pass one with HfTokenizer.fromDir(dir, { chatTemplate })",
      );
    }
    return renderChatTemplate(this.chatTemplate, messages, opts.addGenerationPrompt ?? false, {
      ...this.specialTokens,
      ...opts.vars,
    });
  }
}

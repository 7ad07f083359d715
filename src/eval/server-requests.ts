/**
 * Validation of `/v1/completions` and `/v1/chat/completions` bodies: every field type-checked, every limit
 * checked before the work it bounds (sequences and characters before tokenising, tokens before generating),
 * each failure a {@link BadRequest} naming the field and the limit.
 */
import type { ChatMessage, TokenizerLike } from "../tokenizer/types";
import { BadRequest } from "./server-http";

export { BadRequest } from "./server-http";

/** A validated generation request. */
export interface GenerationRequest {
  kind: "completions" | "chat";
  model: string;
  /** Token ids of each prompt (chat: exactly one, the templated conversation). */
  prompts: number[][];
  n: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  seed?: number;
  stop: string[];
  stream: boolean;
  /** `stream_options.include_usage`: a last chunk with the usage. */
  includeUsage: boolean;
  /** Log-probs: null for none, else how many alternatives per token (completions `logprobs`, chat `top_logprobs`). */
  logprobs: number | null;
  /** vLLM's `return_tokens_as_token_ids`: log-prob entries name tokens as `token_id:<id>` (exact ids, any bytes). */
  tokensAsIds: boolean;
}

/** Per-request limits; each is a flag of `open-rs serve`. */
export interface RequestLimits {
  /** Largest `n` (`--max-n`). */
  maxN: number;
  /** Largest prompts × n in one request (`--max-sequences`). */
  maxSequences: number;
  /** Most prompt characters in one request, checked before tokenising (`--max-prompt-chars`). */
  maxPromptChars: number;
  /** Prompt + max_tokens must fit here (`--max-model-len`, default the model's context), when known. */
  maxModelLen?: number;
  /** `max_tokens` when the request leaves it out (`--default-max-tokens`), clipped to the room left. */
  defaultMaxTokens: number;
}

/** What validation needs to know about the served model. */
export interface ValidationContext extends RequestLimits {
  /** Names accepted in the `model` field. */
  modelIds: readonly string[];
  tokenizer: TokenizerLike;
}

type Body = Record<string, unknown>;

/** Validates a parsed JSON body. Throws {@link BadRequest} naming the offending field. */
export function parseGenerationRequest(
  kind: GenerationRequest["kind"],
  body: unknown,
  ctx: ValidationContext,
): GenerationRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequest("request body must be a JSON object");
  }
  const b = body as Body;
  const model = modelField(b, ctx.modelIds);
  const n = intField(b, "n", { min: 1, max: ctx.maxN, fallback: 1, flag: "--max-n" });
  const sampling = {
    temperature: numField(b, "temperature", 0, 2, 1),
    topP: numField(b, "top_p", Number.MIN_VALUE, 1, 1),
    seed: b.seed === undefined || b.seed === null ? undefined : seedField(b),
    stop: stopField(b.stop),
  };
  const stream = boolField(b, "stream");
  const includeUsage = streamOptions(b, stream);
  const logprobs = kind === "chat" ? chatLogprobs(b) : completionLogprobs(b);
  const tokensAsIds = boolField(b, "return_tokens_as_token_ids");
  const texts = kind === "chat" ? [chatText(b.messages, ctx.tokenizer)] : completionTexts(b.prompt);
  checkSize(texts, n, ctx);
  const prompts = texts.map((t, i) => (typeof t === "string" ? encode(t, i, kind, ctx.tokenizer) : t));
  checkTokenIds(prompts, ctx.tokenizer.vocabSize);
  const maxTokens = maxTokensField(b, kind, prompts, ctx);
  return { kind, model, prompts, n, ...sampling, maxTokens, stream, includeUsage, logprobs, tokensAsIds };
}

function modelField(b: Body, modelIds: readonly string[]): string {
  if (typeof b.model !== "string") throw new BadRequest("missing required field 'model' (a string)", "model");
  if (!modelIds.includes(b.model)) {
    throw new BadRequest(
      `The model '${b.model}' does not exist; this server serves: ${modelIds.join(", ")}`,
      "model",
      "model_not_found",
      404,
    );
  }
  return b.model;
}

/** Prompts × n against `maxSequences`, and the characters against `maxPromptChars`, before any tokenising. */
function checkSize(texts: Array<string | number[]>, n: number, ctx: ValidationContext): void {
  const seqs = texts.length * n;
  if (seqs > ctx.maxSequences) {
    throw new BadRequest(
      `${texts.length} prompt(s) × n = ${n} asks for ${seqs} sequences; the limit per request is ${ctx.maxSequences} (server flag --max-sequences)`,
      texts.length > 1 ? "prompt" : "n",
      "too_many_sequences",
    );
  }
  const chars = texts.reduce((s, t) => s + t.length, 0);
  if (chars > ctx.maxPromptChars) {
    throw new BadRequest(
      `the prompt has ${chars} characters; the limit per request is ${ctx.maxPromptChars} (server flag --max-prompt-chars)`,
      "prompt",
      "prompt_too_long",
    );
  }
}

function encode(text: string, i: number, kind: GenerationRequest["kind"], tok: TokenizerLike): number[] {
  const ids = tok.encode(text);
  if (ids.length === 0) {
    const where = kind === "chat" ? "messages" : `prompt[${i}]`;
    throw new BadRequest(`${where} encodes to no tokens; give a non-empty prompt`, where);
  }
  return ids;
}

/** `max_tokens` (or chat's `max_completion_tokens`) against the model's context; the default fits the room left. */
function maxTokensField(
  b: Body,
  kind: GenerationRequest["kind"],
  prompts: number[][],
  ctx: ValidationContext,
): number {
  const key = kind === "chat" && b.max_tokens == null ? "max_completion_tokens" : "max_tokens";
  const longest = Math.max(...prompts.map((p) => p.length));
  const room = ctx.maxModelLen === undefined ? Number.POSITIVE_INFINITY : ctx.maxModelLen - longest;
  if (room < 1) {
    throw new BadRequest(
      `the prompt has ${longest} tokens; the model's context is ${ctx.maxModelLen} tokens (server flag --max-model-len), leaving no room to generate`,
      "prompt",
      "context_length_exceeded",
    );
  }
  const given = intField(b, key, { min: 1, fallback: 0 });
  if (given === 0) return Math.min(ctx.defaultMaxTokens, room);
  if (given > room) {
    throw new BadRequest(
      `prompt (${longest} tokens) + ${key} (${given}) exceeds the model's context of ${ctx.maxModelLen} tokens (server flag --max-model-len); lower ${key} to ≤ ${room}`,
      key,
      "context_length_exceeded",
    );
  }
  return given;
}

const ROLES: Readonly<Record<string, ChatMessage["role"]>> = {
  system: "system",
  developer: "system", // OpenAI's newer name for system instructions
  user: "user",
  assistant: "assistant",
};

/** The conversation rendered with the chat template (tokenised later, after the size checks). */
function chatText(messages: unknown, tokenizer: TokenizerLike): string {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new BadRequest("missing required field 'messages' (a non-empty array)", "messages");
  }
  const msgs = messages.map((m, i): ChatMessage => {
    const mm = (typeof m === "object" && m !== null ? m : {}) as Body;
    const role = typeof mm.role === "string" && Object.hasOwn(ROLES, mm.role) ? ROLES[mm.role] : undefined;
    if (role === undefined) {
      throw new BadRequest(
        `messages[${i}].role must be one of system, developer, user, assistant`,
        `messages[${i}].role`,
      );
    }
    return { role, content: messageContent(mm.content, role, i) };
  });
  try {
    return tokenizer.applyChatTemplate(msgs, { addGenerationPrompt: true });
  } catch (e) {
    throw new BadRequest(`the chat template rejected these messages: ${(e as Error).message}`, "messages");
  }
}

/** A message's content: a string, or an array of `{type: "text", text}` parts (joined with newlines). */
function messageContent(content: unknown, role: ChatMessage["role"], i: number): string {
  const param = `messages[${i}].content`;
  if (typeof content === "string") return content;
  if (content === null && role === "assistant") return "";
  if (!Array.isArray(content))
    throw new BadRequest(`${param} must be a string or an array of text parts`, param);
  return content
    .map((p, j) => {
      const part = (typeof p === "object" && p !== null ? p : {}) as Body;
      if (part.type !== "text" || typeof part.text !== "string") {
        throw new BadRequest(
          `${param}[${j}] must be {"type": "text", "text": "..."}; this server takes text parts only`,
          `${param}[${j}]`,
        );
      }
      return part.text;
    })
    .join("\n");
}

/** The `prompt` field: a string, a list of strings, a list of token ids, or a list of such lists. */
function completionTexts(prompt: unknown): Array<string | number[]> {
  const isIds = (x: unknown): x is number[] =>
    Array.isArray(x) && x.length > 0 && x.every((t) => Number.isInteger(t) && t >= 0);
  let list: unknown[];
  if (typeof prompt === "string" || isIds(prompt)) list = [prompt];
  else if (Array.isArray(prompt) && prompt.length > 0) list = prompt;
  else {
    throw new BadRequest(
      "missing or invalid field 'prompt': expected a non-empty string, a list of strings, or (lists of) token ids",
      "prompt",
    );
  }
  return list.map((p, i) => {
    if (p === "") throw new BadRequest(`prompt[${i}] is empty; give a non-empty prompt`, "prompt");
    if (typeof p === "string" || isIds(p)) return p;
    throw new BadRequest(
      `prompt[${i}] must be a non-empty string or a non-empty list of token ids (integers ≥ 0)`,
      "prompt",
    );
  });
}

/** Token ids must be in the vocabulary; checked here so a bad id is a 400, not a failed batch. */
function checkTokenIds(prompts: number[][], vocabSize: number): void {
  prompts.forEach((p, i) => {
    const bad = p.find((t) => t >= vocabSize);
    if (bad !== undefined) {
      throw new BadRequest(`prompt[${i}] has token id ${bad}; the vocabulary has ${vocabSize} ids`, "prompt");
    }
  });
}

function intField(
  b: Body,
  key: string,
  o: { min?: number; max?: number; fallback: number; flag?: string },
): number {
  const v = b[key];
  if (v === undefined || v === null) return o.fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v))
    throw new BadRequest(`'${key}' must be an integer`, key);
  if (o.min !== undefined && v < o.min) throw new BadRequest(`'${key}' must be ≥ ${o.min}, got ${v}`, key);
  if (o.max !== undefined && v > o.max) {
    const flag = o.flag ? ` (server flag ${o.flag})` : "";
    throw new BadRequest(`'${key}' must be ≤ ${o.max}${flag}, got ${v}`, key);
  }
  return v;
}

function seedField(b: Body): number {
  return intField(b, "seed", { fallback: 0 });
}

function numField(b: Body, key: string, min: number, max: number, fallback: number): number {
  const v = b[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    throw new BadRequest(
      `'${key}' must be a number in [${min === Number.MIN_VALUE ? "0 (exclusive)" : min}, ${max}]`,
      key,
    );
  }
  return v;
}

function boolField(b: Body, key: string): boolean {
  const v = b[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw new BadRequest(`'${key}' must be a boolean`, key);
  return v;
}

function stopField(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list) || list.length > 4 || !list.every((s) => typeof s === "string" && s.length > 0)) {
    throw new BadRequest("'stop' must be a non-empty string or a list of up to 4 non-empty strings", "stop");
  }
  return list as string[];
}

/** `stream_options: {include_usage}`; only with `stream: true`, as OpenAI requires. */
function streamOptions(b: Body, stream: boolean): boolean {
  const o = b.stream_options;
  if (o === undefined || o === null) return false;
  if (!stream) {
    throw new BadRequest("'stream_options' is only allowed when 'stream' is true", "stream_options");
  }
  if (typeof o !== "object" || Array.isArray(o)) {
    throw new BadRequest(
      "'stream_options' must be an object like {\"include_usage\": true}",
      "stream_options",
    );
  }
  return boolField(o as Body, "include_usage");
}

/** Chat: `logprobs: true` and optional `top_logprobs` 0–20. */
function chatLogprobs(b: Body): number | null {
  const on = boolField(b, "logprobs");
  const top = intField(b, "top_logprobs", { min: 0, max: 20, fallback: -1 });
  if (top >= 0 && !on) throw new BadRequest("'top_logprobs' needs 'logprobs': true", "top_logprobs");
  return on ? Math.max(0, top) : null;
}

/** Completions: `logprobs` is the number of alternatives, 0–20 (OpenAI allows 5; vLLM 20). */
function completionLogprobs(b: Body): number | null {
  const k = intField(b, "logprobs", { min: 0, max: 20, fallback: -1 });
  return k >= 0 ? k : null;
}

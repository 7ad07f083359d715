import type { ChatMessage, TokenizerLike } from "../tokenizer/types";

/** A request the server refuses; becomes an OpenAI-style error JSON with this status. */
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** A validated `/v1/completions` or `/v1/chat/completions` request. */
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
}

/** What validation needs to know about the served model. */
export interface ValidationContext {
  /** Names accepted in the `model` field. */
  modelIds: readonly string[];
  tokenizer: TokenizerLike;
  /** Prompt + max_tokens must fit here, when known. */
  maxContext?: number;
  /** Largest `n`. */
  maxN: number;
  /** `max_tokens` when the request leaves it out. */
  defaultMaxTokens: number;
}

/** Validates a parsed JSON body. Throws {@link BadRequest} naming the offending field. */
export function parseGenerationRequest(
  kind: GenerationRequest["kind"],
  body: unknown,
  ctx: ValidationContext,
): GenerationRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequest("request body must be a JSON object");
  }
  const b = body as Record<string, unknown>;
  if (typeof b.model !== "string") throw new BadRequest("missing required field 'model' (a string)", "model");
  if (!ctx.modelIds.includes(b.model)) {
    throw new BadRequest(
      `unknown model '${b.model}'; this server serves: ${ctx.modelIds.join(", ")}`,
      "model",
      "model_not_found",
    );
  }
  const prompts =
    kind === "chat" ? [chatPrompt(b.messages, ctx.tokenizer)] : completionPrompts(b.prompt, ctx);
  const maxTokens = intField(
    b,
    kind === "chat" && b.max_tokens === undefined ? "max_completion_tokens" : "max_tokens",
    {
      min: 1,
      fallback: ctx.defaultMaxTokens,
    },
  );
  const longest = Math.max(...prompts.map((p) => p.length));
  if (ctx.maxContext !== undefined && longest + maxTokens > ctx.maxContext) {
    throw new BadRequest(
      `prompt (${longest} tokens) + max_tokens (${maxTokens}) exceeds the model's context of ${ctx.maxContext} tokens`,
      "max_tokens",
    );
  }
  return {
    kind,
    model: b.model,
    prompts,
    n: intField(b, "n", { min: 1, max: ctx.maxN, fallback: 1 }),
    temperature: numField(b, "temperature", 0, 2, 1),
    topP: numField(b, "top_p", Number.MIN_VALUE, 1, 1),
    maxTokens,
    seed: b.seed === undefined || b.seed === null ? undefined : intField(b, "seed", { fallback: 0 }),
    stop: stopField(b.stop),
    stream: boolField(b, "stream"),
  };
}

function chatPrompt(messages: unknown, tokenizer: TokenizerLike): number[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new BadRequest("missing required field 'messages' (a non-empty array)", "messages");
  }
  const roles = new Set(["system", "user", "assistant"]);
  const msgs = messages.map((m, i): ChatMessage => {
    const mm = m as { role?: unknown; content?: unknown };
    if (typeof mm !== "object" || mm === null || typeof mm.role !== "string" || !roles.has(mm.role)) {
      throw new BadRequest(
        `messages[${i}].role must be one of system, user, assistant`,
        `messages[${i}].role`,
      );
    }
    if (typeof mm.content !== "string") {
      throw new BadRequest(`messages[${i}].content must be a string`, `messages[${i}].content`);
    }
    return { role: mm.role as ChatMessage["role"], content: mm.content };
  });
  return tokenizer.encode(tokenizer.applyChatTemplate(msgs, { addGenerationPrompt: true }));
}

function completionPrompts(prompt: unknown, ctx: ValidationContext): number[][] {
  const isIds = (x: unknown): x is number[] =>
    Array.isArray(x) &&
    x.length > 0 &&
    x.every((t) => Number.isInteger(t) && t >= 0 && t < ctx.tokenizer.vocabSize);
  if (typeof prompt === "string") return [ctx.tokenizer.encode(prompt)];
  if (isIds(prompt)) return [prompt];
  if (Array.isArray(prompt) && prompt.length > 0) {
    if (prompt.every((p) => typeof p === "string"))
      return prompt.map((p) => ctx.tokenizer.encode(p as string));
    if (prompt.every(isIds)) return prompt as number[][];
  }
  throw new BadRequest(
    "missing or invalid field 'prompt': expected a string, a list of strings, or (lists of) token ids",
    "prompt",
  );
}

function intField(
  b: Record<string, unknown>,
  key: string,
  o: { min?: number; max?: number; fallback: number },
): number {
  const v = b[key];
  if (v === undefined || v === null) return o.fallback;
  if (typeof v !== "number" || !Number.isInteger(v)) throw new BadRequest(`'${key}' must be an integer`, key);
  if (o.min !== undefined && v < o.min) throw new BadRequest(`'${key}' must be ≥ ${o.min}, got ${v}`, key);
  if (o.max !== undefined && v > o.max) throw new BadRequest(`'${key}' must be ≤ ${o.max}, got ${v}`, key);
  return v;
}

function numField(
  b: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
  fallback: number,
): number {
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

function boolField(b: Record<string, unknown>, key: string): boolean {
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

/** Cuts `text` at the earliest stop string. */
export function applyStop(text: string, stop: readonly string[]): { text: string; stopped: boolean } {
  let cut = -1;
  for (const s of stop) {
    const i = text.indexOf(s);
    if (i >= 0 && (cut < 0 || i < cut)) cut = i;
  }
  return cut < 0 ? { text, stopped: false } : { text: text.slice(0, cut), stopped: true };
}

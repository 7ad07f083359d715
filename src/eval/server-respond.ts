/**
 * The JSON shapes of OpenAI's completions and chat completions (plain and streamed chunks, log-probs, usage),
 * built from {@link ChoiceTracker}s, plus the server-sent-events writer that streams them as tokens arrive.
 */
import type * as http from "node:http";
import type { ChoiceDelta, TokenLogprob } from "./server-choice";
import type { GenerationRequest } from "./server-requests";

/** Fields shared by every object of one response. */
export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
}

/** Token counts of a response. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** A fresh response id and timestamp. */
export function responseMeta(gen: GenerationRequest): ResponseMeta {
  const rand = Math.random().toString(36).slice(2, 10);
  return {
    id: `${gen.kind === "chat" ? "chatcmpl" : "cmpl"}-${Date.now().toString(36)}${rand}`,
    created: Math.floor(Date.now() / 1000),
    model: gen.model,
  };
}

/** Usage from the prompts and the counted completion tokens (which end at a stop string). */
export function usageOf(gen: GenerationRequest, completionTokens: number): Usage {
  const prompt = gen.prompts.reduce((s, p) => s + p.length, 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completionTokens,
    total_tokens: prompt + completionTokens,
  };
}

const bytesOf = (s: string) => [...Buffer.from(s, "utf8")];

/** Log-probs in the endpoint's format: chat's `{content: [...]}`, or the legacy completions lists. */
export function logprobsJson(kind: GenerationRequest["kind"], entries: TokenLogprob[]): unknown {
  if (kind === "chat") {
    return {
      content: entries.map((e) => ({
        token: e.token,
        logprob: e.logprob,
        bytes: bytesOf(e.token),
        top_logprobs: e.top.map((t) => ({ token: t.token, logprob: t.logprob, bytes: bytesOf(t.token) })),
      })),
      refusal: null,
    };
  }
  return {
    tokens: entries.map((e) => e.token),
    token_logprobs: entries.map((e) => e.logprob),
    top_logprobs: entries.map((e) => Object.fromEntries(e.top.map((t) => [t.token, t.logprob]))),
    text_offset: entries.map((e) => e.offset),
  };
}

/** One choice of a plain (non-streamed) reply. */
export function choiceJson(
  gen: GenerationRequest,
  index: number,
  text: string,
  logprobs: TokenLogprob[],
  finish: string,
): unknown {
  const lp = gen.logprobs === null ? null : logprobsJson(gen.kind, logprobs);
  return gen.kind === "chat"
    ? { index, message: { role: "assistant", content: text }, logprobs: lp, finish_reason: finish }
    : { index, text, logprobs: lp, finish_reason: finish };
}

/** A plain reply: the whole completion object. */
export function completionJson(gen: GenerationRequest, meta: ResponseMeta, choices: unknown[], usage: Usage) {
  const object = gen.kind === "chat" ? "chat.completion" : "text_completion";
  return { ...meta, object, choices, usage };
}

/**
 * Streams a response as server-sent events, OpenAI's way: for chat a first chunk with the role per choice,
 * then one chunk per piece of text as tokens arrive, a chunk with `finish_reason` per choice, with
 * `include_usage` a last chunk with empty `choices` and the usage, then `data: [DONE]`.
 */
export class SseWriter {
  constructor(
    private readonly res: http.ServerResponse,
    private readonly gen: GenerationRequest,
    private readonly meta: ResponseMeta,
  ) {}

  /** Sends the headers (and chat's role chunks) now, before the first token. */
  start(choices: number): void {
    this.res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    this.res.flushHeaders();
    if (this.gen.kind !== "chat") return;
    for (let i = 0; i < choices; i++) this.chunk(i, { role: "assistant", content: "" }, null, null);
  }

  /** Text (with its tokens' log-probs) for one choice; nothing is sent for an empty piece. */
  delta(index: number, d: ChoiceDelta): void {
    if (d.text === "" && d.logprobs.length === 0) return;
    this.chunk(index, this.gen.kind === "chat" ? { content: d.text } : d.text, d.logprobs, null);
  }

  /** The rest of a choice and its finish reason. */
  finish(index: number, d: ChoiceDelta, reason: string): void {
    const chat = this.gen.kind === "chat";
    const text = chat ? (d.text === "" ? {} : { content: d.text }) : d.text;
    this.chunk(index, text, d.logprobs.length > 0 ? d.logprobs : null, reason);
  }

  /** The usage chunk (with include_usage) and `[DONE]`. */
  end(usage: Usage): void {
    if (this.gen.includeUsage) this.write({ ...this.base(), choices: [], usage });
    this.res.end("data: [DONE]\n\n");
  }

  /** An error after the stream began: an error event, then `[DONE]`. */
  fail(message: string): void {
    this.res.write(
      `data: ${JSON.stringify({ error: { message, type: "server_error", param: null, code: null } })}\n\n`,
    );
    this.res.end("data: [DONE]\n\n");
  }

  private base() {
    const object = this.gen.kind === "chat" ? "chat.completion.chunk" : "text_completion";
    return { ...this.meta, object };
  }

  private chunk(
    index: number,
    content: unknown,
    logprobs: TokenLogprob[] | null,
    finish: string | null,
  ): void {
    const lp = this.gen.logprobs === null || logprobs === null ? null : logprobsJson(this.gen.kind, logprobs);
    const choice =
      this.gen.kind === "chat"
        ? { index, delta: content, logprobs: lp, finish_reason: finish }
        : { index, text: content, logprobs: lp, finish_reason: finish };
    this.write({ ...this.base(), choices: [choice], ...(this.gen.includeUsage ? { usage: null } : {}) });
  }

  private write(obj: unknown): void {
    if (!this.res.destroyed) this.res.write(`data: ${JSON.stringify(obj)}\n\n`);
  }
}

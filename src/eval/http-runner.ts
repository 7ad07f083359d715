/**
 * The eval runner for OpenAI-compatible servers: one sample per request (chat or completions), round-robin
 * over base URLs, retries, and the sample's text, tokens and finish reason.
 */
import type { TokenizerLike } from "../tokenizer/types";
import { type Attempt, withRetries } from "../util/retry";
import type { SamplingParams } from "./engine";
import type { OnSample, Runner, SampleOutput, SampleRequest } from "./runner";

/** Options of {@link HttpRunner}. */
export interface HttpRunnerOptions {
  /** Server roots such as `http://127.0.0.1:8000` (with or without `/v1`); requests go round-robin. */
  baseUrls: string[];
  /** `model` field of each request (the served model name). */
  model: string;
  /**
   * `chat` posts messages to `/v1/chat/completions` (the server applies its chat template); `completions` posts
   * the prompt templated here with `tokenizer` to `/v1/completions`. Default `chat`, or `completions` when a
   * tokenizer is given.
   */
  api?: "chat" | "completions";
  /** Needed for `api: "completions"`: renders the chat template locally. */
  tokenizer?: TokenizerLike;
  /** Requests in flight at once, over all base URLs. Default 8. */
  concurrency?: number;
  /** Per-attempt timeout, ms. Default 600,000 (long reasoning traces). */
  timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, timeouts and network errors. Default 5. */
  maxRetries?: number;
  /** First backoff, ms; doubles each retry, with jitter in [50%, 100%]. Default 500. */
  backoffMs?: number;
  /** Backoff cap, ms (also caps a server's Retry-After). Default 30,000. */
  maxBackoffMs?: number;
  /** Extra headers (e.g. `Authorization: Bearer …`). */
  headers?: Record<string, string>;
  /** Injected fetch, for tests. Default: global fetch. */
  fetch?: typeof fetch;
}

/** An HTTP failure that is not worth retrying (a 4xx other than 429). */
export class HttpRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Normalises a base URL to end in `/v1`. */
export function v1Root(base: string): string {
  const trimmed = base.replace(/\/+$/, "");
  return trimmed.endsWith("/v1") ? trimmed : `${trimmed}/v1`;
}

/**
 * Draws samples from any OpenAI-compatible server (vLLM, SGLang, TGI, llama.cpp, `open-rs serve`): one request
 * per sample (n = 1, the sample's own seed), a concurrency limit, per-attempt timeouts, and exponential backoff
 * on 429/5xx/network errors. Several base URLs give data-parallel eval; a retry moves to the next URL.
 */
export class HttpRunner implements Runner {
  readonly name = "http";
  /** Attempts made (including retries), for tests and logs. */
  attempts = 0;
  private next = 0;
  private readonly o: Required<Omit<HttpRunnerOptions, "tokenizer" | "api">> &
    Pick<HttpRunnerOptions, "tokenizer">;
  private readonly api: "chat" | "completions";

  constructor(opts: HttpRunnerOptions) {
    if (opts.baseUrls.length === 0)
      throw new Error("HttpRunner: baseUrls is empty; pass at least one server URL");
    this.api = opts.api ?? (opts.tokenizer ? "completions" : "chat");
    if (this.api === "completions" && !opts.tokenizer) {
      throw new Error(
        "HttpRunner: api 'completions' needs a tokenizer to render the chat template (or use 'chat')",
      );
    }
    this.o = {
      concurrency: 8,
      timeoutMs: 600_000,
      maxRetries: 5,
      backoffMs: 500,
      maxBackoffMs: 30_000,
      headers: {},
      fetch: globalThis.fetch,
      ...(Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as HttpRunnerOptions),
      baseUrls: opts.baseUrls.map(v1Root),
    };
  }

  async run(requests: SampleRequest[], params: SamplingParams, onSample: OnSample, signal?: AbortSignal) {
    let cursor = 0;
    let failed = false;
    const worker = async () => {
      while (cursor < requests.length && !signal?.aborted && !failed) {
        const req = requests[cursor++];
        try {
          await onSample(req, await this.sample(req, params, signal));
        } catch (e) {
          failed = true; // the other workers finish their request in flight, then stop
          throw e;
        }
      }
    };
    const workers = Math.min(this.o.concurrency, requests.length);
    await Promise.all(Array.from({ length: workers }, worker));
  }

  /** One sample, with retries. */
  async sample(req: SampleRequest, params: SamplingParams, signal?: AbortSignal): Promise<SampleOutput> {
    const body = this.body(req, params);
    const path = this.api === "chat" ? "/chat/completions" : "/completions";
    return withRetries(
      this.o,
      () => this.attempt(this.o.baseUrls[this.next++ % this.o.baseUrls.length] + path, body),
      {
        cancelled: () => new Error("HttpRunner: aborted"),
        exhausted: (n, last) =>
          new Error(`HttpRunner: ${req.key} failed after ${n} attempts: ${String(last)}`),
      },
      signal,
    );
  }

  private body(req: SampleRequest, params: SamplingParams): Record<string, unknown> {
    const common = {
      model: this.o.model,
      max_tokens: params.maxNewTokens,
      temperature: params.temperature,
      top_p: params.topP,
      seed: req.seed,
      n: 1,
    };
    if (this.api === "chat") return { ...common, messages: req.messages };
    const prompt = this.o.tokenizer!.applyChatTemplate(req.messages, { addGenerationPrompt: true });
    return { ...common, prompt };
  }

  private async attempt(url: string, body: Record<string, unknown>): Promise<Attempt<SampleOutput>> {
    this.attempts++;
    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    let res: Response;
    try {
      res = await this.o.fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...this.o.headers },
        body: JSON.stringify(body),
        signal: timeout,
      });
    } catch (e) {
      return { ok: false, retry: true, error: new Error(`${url}: ${(e as Error).message}`) };
    }
    const text = await res.text().catch((e: Error) => `(body unreadable: ${e.message})`);
    if (res.status === 429 || res.status >= 500) {
      const ra = Number(res.headers.get("retry-after"));
      const retryAfterS = res.headers.has("retry-after") && ra >= 0 ? ra : undefined;
      return { ok: false, retry: true, retryAfterS, error: new Error(`${url}: HTTP ${res.status} ${text}`) };
    }
    if (!res.ok)
      return {
        ok: false,
        retry: false,
        error: new HttpRequestError(`${url}: HTTP ${res.status} ${text}`, res.status),
      };
    try {
      return { ok: true, value: parseChoice(JSON.parse(text)) };
    } catch (e) {
      return {
        ok: false,
        retry: true,
        error: new Error(`${url}: bad response (${(e as Error).message}): ${text.slice(0, 200)}`),
      };
    }
  }
}

/** Reads choice 0 of a completions or chat-completions response. */
export function parseChoice(json: unknown): SampleOutput {
  const j = json as { choices?: unknown[]; usage?: { completion_tokens?: number } };
  const c = j.choices?.[0] as
    | { text?: unknown; message?: { content?: unknown }; finish_reason?: unknown }
    | undefined;
  if (!c) throw new Error("no choices[0]");
  const text = typeof c.text === "string" ? c.text : c.message?.content;
  if (typeof text !== "string") throw new Error("choices[0] has neither text nor message.content");
  return {
    text,
    finishReason: typeof c.finish_reason === "string" ? c.finish_reason : "stop",
    completionTokens: j.usage?.completion_tokens,
  };
}

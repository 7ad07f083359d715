/**
 * The HTTP side of the `servers` rollout engine: a pool of OpenAI-compatible servers (vLLM, SGLang,
 * `open-rs serve`) that sample from token ids and answer with token ids, plus SGLang's weight reload. One
 * request per sequence (its own seed); prompt groups go round-robin over the servers (a group's prompt stays
 * in one server's prefix cache); retries with backoff move to the next server. Conventions as vLLM's OpenAI
 * server: `prompt` as token ids, `logprobs` with `return_tokens_as_token_ids` (tokens read `token_id:<id>`).
 */
import { type Attempt, withRetries } from "../util/retry";

/** Options of {@link ServerPool}. */
export interface ServerPoolOptions {
  /** Base URLs (`http://host:port`, with or without `/v1`). */
  servers: string[];
  /** Sent as `Authorization: Bearer <apiKey>` on every request. */
  apiKey?: string | null;
  /** Requests in flight at once over the whole pool. Default 64 per server. */
  concurrency?: number;
  /** Per-attempt timeout, ms. Default 600,000 (long completions). */
  timeoutMs?: number;
  /** Retries after the first attempt on connection errors, timeouts, 429 and 5xx. Default 5. */
  maxRetries?: number;
  /** First backoff, ms; doubles each retry, with jitter in [50%, 100%]. Default 500. */
  backoffMs?: number;
  /** Backoff cap, ms. Default 30,000. */
  maxBackoffMs?: number;
  /** Injected fetch, for tests. Default: global fetch. */
  fetch?: typeof fetch;
}

/** One sequence to sample. */
export interface SequenceRequest {
  promptIds: number[];
  seed: number;
  /** Sequences of one group go to the same server first. */
  group: number;
}

/** Sampling settings shared by a batch of sequences. */
export interface PoolSampling {
  maxNewTokens: number;
  temperature: number;
  topP: number;
  topK?: number;
  /** A `stop` finish whose last token is not one of these gets `eosTokenIds[0]` appended. */
  eosTokenIds: number[];
  /** Token ids must be below this. */
  vocabSize: number;
}

/** One sampled sequence. */
export interface SequenceResult {
  completionIds: number[];
  /** The server's log-prob of each token (NaN where it gave none). */
  logprobs: number[];
  truncated: boolean;
}

/** A failure retrying will not fix (4xx other than 429, a malformed answer): names the server and its answer. */
export class PoolRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Normalises a base URL to its root (no trailing `/` or `/v1`). */
export function serverRoot(base: string): string {
  return base.replace(/\/+$/, "").replace(/\/v1$/, "");
}

/** The cause of a failed fetch in one line (undici hides it behind "fetch failed"). */
function fetchFailure(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === "TimeoutError") return "no answer within the timeout";
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message} (${cause})` : err.message;
}

/** A pool of OpenAI-compatible servers. */
export class ServerPool {
  readonly servers: string[];
  /** Attempts made (retries included), for tests and logs. */
  attempts = 0;
  /** The served model's name per server (from `GET /v1/models`), set by {@link connect}. */
  models: string[] = [];
  private readonly o: Required<Omit<ServerPoolOptions, "apiKey" | "servers">>;
  private readonly apiKey: string | null;

  constructor(opts: ServerPoolOptions) {
    if (opts.servers.length === 0) throw new Error("ServerPool: no servers; give at least one base URL");
    this.servers = opts.servers.map(serverRoot);
    this.apiKey = opts.apiKey ?? null;
    this.o = {
      concurrency: opts.concurrency ?? 64 * this.servers.length,
      timeoutMs: opts.timeoutMs ?? 600_000,
      maxRetries: opts.maxRetries ?? 5,
      backoffMs: opts.backoffMs ?? 500,
      maxBackoffMs: opts.maxBackoffMs ?? 30_000,
      fetch: opts.fetch ?? globalThis.fetch,
    };
  }

  /** Asks every server for its model (`GET /v1/models`): checks that each answers and accepts the key. */
  async connect(): Promise<string[]> {
    this.models = await Promise.all(
      this.servers.map((s) =>
        this.onServers(
          `${s}/v1/models`,
          () => [s],
          async (server) => {
            const r = await this.call(server, "GET", "/v1/models");
            if (!r.ok) return r;
            const id = (r.value as { data?: Array<{ id?: unknown }> }).data?.[0]?.id;
            if (typeof id !== "string") {
              return {
                ok: false,
                retry: false,
                error: new PoolRequestError(`${server}/v1/models lists no model`, 200),
              };
            }
            return { ok: true, value: id };
          },
        ),
      ),
    );
    return this.models;
  }

  /** Samples every sequence (one request each, `concurrency` at a time); results in request order. */
  async complete(reqs: readonly SequenceRequest[], s: PoolSampling): Promise<SequenceResult[]> {
    if (this.models.length === 0) await this.connect();
    const out: SequenceResult[] = new Array(reqs.length);
    const abort = new AbortController();
    let cursor = 0;
    let failure: unknown = null;
    const worker = async () => {
      while (cursor < reqs.length && failure === null) {
        const i = cursor++;
        try {
          out[i] = await this.sample(reqs[i], s, abort.signal);
        } catch (e) {
          if (failure === null) failure = e;
          abort.abort(); // requests in flight are cut: the rollout has failed
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, reqs.length) }, worker));
    if (failure !== null) throw failure;
    return out;
  }

  /** `POST /update_weights_from_disk {"model_path": dir}` on every server at once; any refusal throws. */
  async reload(dir: string): Promise<void> {
    await Promise.all(
      this.servers.map((s) =>
        this.onServers(
          `${s}/update_weights_from_disk`,
          () => [s],
          async (server) => {
            const r = await this.call(server, "POST", "/update_weights_from_disk", { model_path: dir });
            if (!r.ok) return r;
            const j = r.value as { success?: unknown; message?: unknown };
            if (j.success === false) {
              const msg = `rollout server ${server} refused to load the weights: ${String(j.message)}`;
              return { ok: false, retry: false, error: new PoolRequestError(msg, 200) };
            }
            return { ok: true, value: undefined };
          },
        ),
      ),
    );
  }

  /** One sequence, with retries that move on round the pool. */
  private sample(req: SequenceRequest, s: PoolSampling, signal: AbortSignal): Promise<SequenceResult> {
    const n = this.servers.length;
    const first = req.group % n;
    const order = () => Array.from({ length: n }, (_, k) => this.servers[(first + k) % n]);
    const body = {
      model: "", // set per server below
      prompt: req.promptIds,
      max_tokens: s.maxNewTokens,
      temperature: s.temperature,
      top_p: s.topP,
      ...(s.topK ? { top_k: s.topK } : {}),
      seed: req.seed,
      n: 1,
      logprobs: 0,
      return_tokens_as_token_ids: true,
      stream: false,
    };
    return this.onServers(
      `sequence (group ${req.group}, seed ${req.seed})`,
      order,
      async (server) => {
        const model = this.models[this.servers.indexOf(server)];
        const r = await this.call(server, "POST", "/v1/completions", { ...body, model }, signal);
        if (!r.ok) return r;
        try {
          return { ok: true, value: parseCompletion(r.value, s) };
        } catch (e) {
          const msg = `rollout server ${server}: ${(e as Error).message}`;
          return { ok: false, retry: false, error: new PoolRequestError(msg, 200) };
        }
      },
      signal,
    );
  }

  /** Runs `attempt` on servers from `order()` in turn (wrapping), until one succeeds or retries run out. */
  private onServers<T>(
    what: string,
    order: () => string[],
    attempt: (server: string) => Promise<Attempt<T>>,
    signal?: AbortSignal,
  ): Promise<T> {
    const servers = order();
    return withRetries(
      this.o,
      (k) => attempt(servers[k % servers.length]),
      {
        cancelled: () => new Error("rollout server pool: cancelled (another request failed)"),
        exhausted: (n, last) =>
          new Error(`rollout server pool: ${what} failed after ${n} attempts; last: ${last?.message}`),
      },
      signal,
    );
  }

  /** One HTTP call; classifies the outcome (retry on network errors, timeouts, 429, 5xx). */
  private async call(
    server: string,
    method: "GET" | "POST",
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<Attempt<unknown>> {
    this.attempts++;
    const url = server + path;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    let res: Response;
    try {
      res = await this.o.fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (e) {
      if (signal?.aborted) return { ok: false, retry: false, error: new Error(`${url}: cancelled`) };
      return { ok: false, retry: true, error: new Error(`${url}: ${fetchFailure(e)}`) };
    }
    const text = await res.text().catch((e: Error) => `(body unreadable: ${e.message})`);
    const answer = text.replace(/\s+/g, " ").slice(0, 300);
    if (res.status === 429 || res.status >= 500) {
      return { ok: false, retry: true, error: new Error(`${url}: HTTP ${res.status} ${answer}`) };
    }
    if (res.status === 401 || res.status === 403) {
      const hint =
        res.status === 401
          ? this.apiKey
            ? "; rollout_api_key does not match the server's --api-key"
            : "; the server needs an API key: set rollout_api_key"
          : "";
      const msg = `rollout server ${server} refused ${method} ${path} (HTTP ${res.status}: ${errorText(text)})${hint}`;
      return { ok: false, retry: false, error: new PoolRequestError(msg, res.status) };
    }
    if (!res.ok) {
      const msg = `rollout server ${server}: ${method} ${path} failed (HTTP ${res.status}: ${errorText(text)})`;
      return { ok: false, retry: false, error: new PoolRequestError(msg, res.status) };
    }
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return { ok: false, retry: true, error: new Error(`${url}: answer is not JSON: ${answer}`) };
    }
  }
}

/** The message of an OpenAI (`error.message`), SGLang (`message`) or FastAPI (`detail`) error body, else the text. */
function errorText(text: string): string {
  try {
    const j = JSON.parse(text) as {
      error?: { message?: unknown } | string;
      message?: unknown;
      detail?: unknown;
    };
    const m = typeof j.error === "object" ? j.error?.message : (j.error ?? j.message ?? j.detail);
    if (typeof m === "string") return m;
  } catch {
    // not JSON: the text itself
  }
  return text.replace(/\s+/g, " ").slice(0, 300);
}

/**
 * Reads choice 0 of a `/v1/completions` answer: token ids from the log-prob entries (`token_id:<id>`), their
 * log-probs, and `finish_reason` (`length` = truncated). A `stop` without an EOS token at the end (a server that
 * leaves it out) gets `eosTokenIds[0]` appended with a NaN log-prob.
 */
export function parseCompletion(json: unknown, s: PoolSampling): SequenceResult {
  const c = (json as { choices?: unknown[] }).choices?.[0] as
    | {
        logprobs?: { tokens?: unknown; token_logprobs?: unknown } | null;
        finish_reason?: unknown;
        token_ids?: unknown;
      }
    | undefined;
  if (!c) throw new Error("the answer has no choices[0]");
  const tokens = c.logprobs?.tokens;
  if (!Array.isArray(tokens)) {
    throw new Error(
      "the answer has no logprobs.tokens; the server must support `logprobs` with `return_tokens_as_token_ids` (vLLM's OpenAI server, open-rs serve)",
    );
  }
  const ids = tokens.map((t, i) => {
    const m = typeof t === "string" ? /^token_id:(\d+)$/.exec(t) : null;
    if (!m) {
      throw new Error(
        `logprobs.tokens[${i}] is ${JSON.stringify(t)}, not "token_id:<id>"; the server ignored return_tokens_as_token_ids`,
      );
    }
    const id = Number(m[1]);
    if (id >= s.vocabSize)
      throw new Error(`logprobs.tokens[${i}] is token id ${id}, outside the vocabulary (${s.vocabSize})`);
    return id;
  });
  const rawLp = c.logprobs?.token_logprobs;
  const lp: unknown[] = Array.isArray(rawLp) ? rawLp : [];
  const logprobs = ids.map((_, i) => (typeof lp[i] === "number" ? (lp[i] as number) : Number.NaN));
  const finish = c.finish_reason;
  if (finish !== "length" && finish !== "stop") {
    throw new Error(`finish_reason is ${JSON.stringify(finish)}; expected "stop" or "length"`);
  }
  if (ids.length > s.maxNewTokens) {
    throw new Error(`the answer has ${ids.length} tokens, more than max_tokens ${s.maxNewTokens}`);
  }
  const truncated = finish === "length";
  const endsInEos = ids.length > 0 && s.eosTokenIds.includes(ids[ids.length - 1]);
  if (!truncated && !endsInEos && ids.length < s.maxNewTokens) {
    ids.push(s.eosTokenIds[0]);
    logprobs.push(Number.NaN);
  }
  return { completionIds: ids, logprobs, truncated };
}

/**
 * `createServer`: an OpenAI-compatible HTTP server for one local model. Routing, error isolation and shutdown
 * live here; the endpoints are in server-handlers.ts, validation in server-requests.ts, batching in
 * server-queue.ts.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { TextEngine } from "./engine";
import { checkApiKey } from "./server-auth";
import { ROUTES, type Route, type ServerContext } from "./server-handlers";
import { BadRequest, sendError } from "./server-http";
import { RwLock } from "./server-lock";
import { BatchQueue, Cancelled } from "./server-queue";
import type { ReloadOptions } from "./server-reload";

export type { Handler, Route, ServerContext } from "./server-handlers";
export { qwen2Reloader, type ReloadOptions, resolveAllowDir } from "./server-reload";

/** Options of {@link createServer}; every limit is also a flag of `open-rs serve`. */
export interface ServeOptions {
  /** Extra names accepted in `model` besides the engine label (e.g. the directory path). */
  aliases?: string[];
  /** Largest request body, bytes (`--max-body-mb`). Default 10 MiB; bigger bodies get 413. */
  maxBodyBytes?: number;
  /** A request body must arrive within this many ms, else 408. Default 30 000. */
  bodyTimeoutMs?: number;
  /** Largest `n` (`--max-n`). Default 64. */
  maxN?: number;
  /** Largest prompts × n per request (`--max-sequences`). Default 1024. */
  maxSequences?: number;
  /** Most prompt characters per request, checked before tokenising (`--max-prompt-chars`). Default 262 144. */
  maxPromptChars?: number;
  /** Prompt + max_tokens limit (`--max-model-len`). Default: the model's context (`engine.maxContext`). */
  maxModelLen?: number;
  /** `max_tokens` when a request leaves it out (`--default-max-tokens`). Default 256. */
  defaultMaxTokens?: number;
  /** Most sequences in one generate call (`--max-batch`). Default 16. */
  maxBatch?: number;
  /** How long the queue waits for more requests before starting a batch, ms. Default 5. */
  batchWindowMs?: number;
  /** More endpoints, matched after the built-in ones. */
  routes?: readonly Route[];
  /** Where internal (5xx) errors and reloads are reported. Default: nowhere. */
  log?: (line: string) => void;
  /** `--api-key`: every endpoint answers 401 without `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** `--allow-reload DIR`: enables `POST /update_weights_from_disk` for directories under `allowDir`. */
  reload?: ReloadOptions;
}

/** A running server. */
export interface OpenAiServer {
  readonly server: http.Server;
  /** Starts listening; port 0 picks a free port. Resolves to the bound URL (`http://host:port`). */
  listen(port: number, host?: string): Promise<string>;
  /** Closes at once: open connections are cut and requests in flight cancelled. */
  close(): Promise<void>;
  /**
   * Stops accepting connections, lets requests in flight finish for up to `graceMs`, then cancels the rest
   * and closes. Resolves to how many requests finished and how many were cancelled.
   */
  shutdown(graceMs: number): Promise<{ finished: number; cancelled: number }>;
  /** Generate calls made so far, sequences in them, generation requests accepted, weight reloads (for tests and logs). */
  readonly stats: { batches: number; sequences: number; requests: number; reloads: number };
  /** Held for reading by each generation request and for writing by a weight reload (its `state`, for tests). */
  readonly weightsLock: RwLock;
}

/** Checks the options a caller (or the serve command's flags) set; throws naming the option. */
export function checkServeOptions(opts: ServeOptions): void {
  const positive: Array<keyof ServeOptions> = [
    "maxBodyBytes",
    "bodyTimeoutMs",
    "maxN",
    "maxSequences",
    "maxPromptChars",
    "maxModelLen",
    "defaultMaxTokens",
    "maxBatch",
  ];
  for (const k of positive) {
    const v = opts[k];
    if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= 1)) {
      throw new Error(`createServer: ${k} must be an integer ≥ 1, got ${v}`);
    }
  }
  const w = opts.batchWindowMs;
  if (w !== undefined && !(Number.isFinite(w) && w >= 0)) {
    throw new Error(`createServer: batchWindowMs must be ≥ 0, got ${w}`);
  }
  if (opts.apiKey !== undefined && (typeof opts.apiKey !== "string" || opts.apiKey === "")) {
    throw new Error("createServer: apiKey must be a non-empty string");
  }
}

function serverContext(engine: TextEngine, opts: ServeOptions): ServerContext {
  checkServeOptions(opts);
  const queue = new BatchQueue(engine, { maxBatch: opts.maxBatch ?? 16, windowMs: opts.batchWindowMs ?? 5 });
  const stats = { batches: 0, sequences: 0, requests: 0, reloads: 0 };
  queue.onBatch = (size) => {
    stats.batches++;
    stats.sequences += size;
  };
  return {
    engine,
    queue,
    stats,
    inflight: new Set(),
    weightsLock: new RwLock(),
    reload: opts.reload,
    log: opts.log ?? (() => {}),
    body: { maxBytes: opts.maxBodyBytes ?? 10 * 1024 * 1024, timeoutMs: opts.bodyTimeoutMs ?? 30_000 },
    validation: {
      modelIds: [engine.label, ...(opts.aliases ?? [])],
      tokenizer: engine.tokenizer,
      maxN: opts.maxN ?? 64,
      maxSequences: opts.maxSequences ?? 1024,
      maxPromptChars: opts.maxPromptChars ?? 262_144,
      maxModelLen: opts.maxModelLen ?? engine.maxContext,
      defaultMaxTokens: opts.defaultMaxTokens ?? 256,
    },
  };
}

/** The route for a request: its handler and match groups, or the 404/405 to answer. */
function route(routes: readonly Route[], method: string, path: string): { r: Route; match: string[] } {
  let pathKnown = false;
  for (const r of routes) {
    const m = typeof r.path === "string" ? (r.path === path ? [path] : null) : r.path.exec(path);
    if (!m) continue;
    if (r.method === method) return { r, match: [...m] };
    pathKnown = true;
  }
  if (pathKnown) throw new BadRequest(`method ${method} is not allowed on ${path}`, null, null, 405);
  throw new BadRequest(`no route ${method} ${path}`, null, "not_found", 404);
}

/** Answers one request; whatever a handler throws ends as an error reply for this request only. */
async function dispatch(
  ctx: ServerContext,
  routes: readonly Route[],
  req: http.IncomingMessage,
  res: http.ServerResponse,
  apiKey: string | undefined,
): Promise<void> {
  try {
    if (apiKey !== undefined) checkApiKey(req, apiKey);
    const path = (req.url ?? "/").split("?")[0].replace(/\/+$/, "") || "/";
    const { r, match } = route(routes, req.method ?? "GET", path);
    await r.handler(ctx, req, res, match);
  } catch (e) {
    if (e instanceof Cancelled) return void res.destroy();
    if (e instanceof BadRequest) return sendError(req, res, e);
    ctx.log(`open-rs serve: internal error on ${req.method} ${req.url}: ${(e as Error).stack ?? e}`);
    sendError(req, res, new BadRequest(`internal error: ${(e as Error).message}`, null, null, 500));
  }
}

/**
 * An OpenAI-compatible server for one local model: `GET /v1/models[/{id}]`, `POST /v1/completions`,
 * `POST /v1/chat/completions` (streaming, `n`, `temperature`, `top_p`, `max_tokens`, `seed`, `stop`,
 * `logprobs`, `return_tokens_as_token_ids`), `GET /health`, and with `reload` SGLang's
 * `POST /update_weights_from_disk`. Requests are queued and batched onto the model by sampling settings. A bad
 * request gets a 4xx with an OpenAI-style `{"error": {...}}` naming the field; it never touches another one.
 */
export function createServer(engine: TextEngine, opts: ServeOptions = {}): OpenAiServer {
  const ctx = serverContext(engine, opts);
  const routes = [...ROUTES, ...(opts.routes ?? [])];
  const server = http.createServer((req, res) => void dispatch(ctx, routes, req, res, opts.apiKey));
  return {
    server,
    stats: ctx.stats,
    weightsLock: ctx.weightsLock,
    listen: (port, host = "127.0.0.1") => listen(server, port, host),
    close() {
      for (const ac of ctx.inflight) ac.abort();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
    async shutdown(graceMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const started = ctx.inflight.size;
      const deadline = Date.now() + graceMs;
      while (ctx.inflight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const cancelled = ctx.inflight.size;
      for (const ac of ctx.inflight) ac.abort();
      server.closeAllConnections();
      await closed;
      return { finished: started - cancelled, cancelled };
    },
  };
}

function listen(server: http.Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const a = server.address() as AddressInfo;
      const shown = host.includes(":") ? `[${host}]` : host;
      resolve(`http://${shown}:${a.port}`);
    });
  });
}

import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { EngineOutput, TextEngine } from "./engine";
import { BatchQueue } from "./server-queue";
import { applyStop, BadRequest, type GenerationRequest, parseGenerationRequest } from "./server-requests";

/** Options of {@link createServer}. */
export interface ServeOptions {
  /** Extra names accepted in `model` besides the engine label (e.g. the directory basename). */
  aliases?: string[];
  /** Largest request body, bytes. Default 10 MiB; bigger bodies get 400. */
  maxBodyBytes?: number;
  /** Largest `n`. Default 64. */
  maxN?: number;
  /** `max_tokens` when a request leaves it out. Default 256. */
  defaultMaxTokens?: number;
  /** Most sequences in one generate call. Default 16. */
  maxBatch?: number;
  /** How long the queue waits for more requests before starting a batch, ms. Default 5. */
  batchWindowMs?: number;
}

/** A running server. */
export interface OpenAiServer {
  readonly server: http.Server;
  /** Starts listening; port 0 picks a free port. Resolves to the bound URL (`http://host:port`). */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
  /** Generate calls made so far, and sequences in them (for tests and logs). */
  readonly stats: { batches: number; sequences: number; requests: number };
}

/**
 * An OpenAI-compatible server for one local model: `GET /v1/models`, `POST /v1/completions`,
 * `POST /v1/chat/completions` (with `stream`, `n`, `temperature`, `top_p`, `max_tokens`, `seed`, `stop`).
 * Requests are queued and batched onto the single model by sampling settings. Bad requests get 400 with an
 * OpenAI-style `{"error": {...}}` body naming the field; the server keeps serving.
 */
export function createServer(engine: TextEngine, opts: ServeOptions = {}): OpenAiServer {
  const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const queue = new BatchQueue(engine, { maxBatch: opts.maxBatch ?? 16, windowMs: opts.batchWindowMs ?? 5 });
  const modelIds = [engine.label, ...(opts.aliases ?? [])];
  const ctx = {
    modelIds,
    tokenizer: engine.tokenizer,
    maxContext: engine.maxContext,
    maxN: opts.maxN ?? 64,
    defaultMaxTokens: opts.defaultMaxTokens ?? 256,
  };
  const stats = { batches: 0, sequences: 0, requests: 0 };
  queue.onBatch = (size) => {
    stats.batches++;
    stats.sequences += size;
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: Error) => sendError(res, 500, e.message, "server_error"));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = (req.url ?? "/").split("?")[0].replace(/\/+$/, "");
    if (url === "/health") return sendJson(res, 200, { status: "ok" });
    if (url === "/v1/models") {
      if (req.method !== "GET") return sendError(res, 405, "use GET for /v1/models", "invalid_request_error");
      const created = Math.floor(Date.now() / 1000);
      return sendJson(res, 200, {
        object: "list",
        data: modelIds.map((id) => ({ id, object: "model", created, owned_by: "open-rs" })),
      });
    }
    const kind = url === "/v1/completions" ? "completions" : url === "/v1/chat/completions" ? "chat" : null;
    if (!kind) return sendError(res, 404, `no route ${req.method} ${url}`, "invalid_request_error");
    if (req.method !== "POST") return sendError(res, 405, `use POST for ${url}`, "invalid_request_error");
    stats.requests++;
    let gen: GenerationRequest;
    try {
      const body = await readBody(req, maxBody);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch (e) {
        throw new BadRequest(`request body is not valid JSON: ${(e as Error).message}`);
      }
      gen = parseGenerationRequest(kind, json, ctx);
    } catch (e) {
      if (e instanceof BadRequest)
        return sendError(res, e.status, e.message, "invalid_request_error", e.param, e.code);
      throw e;
    }
    const outs = await Promise.all(
      gen.prompts.flatMap((ids) => Array.from({ length: gen.n }, () => queue.submit(ids, gen, gen.seed))),
    );
    respond(res, gen, outs);
  }

  function respond(res: http.ServerResponse, gen: GenerationRequest, outs: EngineOutput[]): void {
    const tok = engine.tokenizer;
    const choices = outs.map((o, index) => {
      const cut = applyStop(tok.decode(o.completionIds), gen.stop);
      const finish = cut.stopped || !o.truncated ? "stop" : "length";
      return { index, ids: o.completionIds, text: cut.text, finish };
    });
    const promptTokens = gen.prompts.reduce((s, p) => s + p.length, 0);
    const completionTokens = outs.reduce((s, o) => s + o.completionIds.length, 0);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    const id = `${gen.kind === "chat" ? "chatcmpl" : "cmpl"}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const created = Math.floor(Date.now() / 1000);
    if (gen.stream) {
      streamChoices(res, gen, id, created, choices);
      return;
    }
    sendJson(res, 200, {
      id,
      object: gen.kind === "chat" ? "chat.completion" : "text_completion",
      created,
      model: gen.model,
      choices: choices.map((c) =>
        gen.kind === "chat"
          ? { index: c.index, message: { role: "assistant", content: c.text }, finish_reason: c.finish }
          : { index: c.index, text: c.text, logprobs: null, finish_reason: c.finish },
      ),
      usage,
    });
  }

  function streamChoices(
    res: http.ServerResponse,
    gen: GenerationRequest,
    id: string,
    created: number,
    choices: { index: number; ids: number[]; text: string; finish: string }[],
  ): void {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    const object = gen.kind === "chat" ? "chat.completion.chunk" : "text_completion";
    const chunk = (index: number, text: string | null, finish: string | null, first = false) => {
      const choice =
        gen.kind === "chat"
          ? {
              index,
              delta: first
                ? { role: "assistant", content: text ?? "" }
                : text === null
                  ? {}
                  : { content: text },
              finish_reason: finish,
            }
          : { index, text: text ?? "", logprobs: null, finish_reason: finish };
      res.write(`data: ${JSON.stringify({ id, object, created, model: gen.model, choices: [choice] })}\n\n`);
    };
    for (const c of choices) {
      let first = true;
      for (const delta of tokenDeltas(engine, c.ids, c.text)) {
        chunk(c.index, delta, null, first);
        first = false;
      }
      chunk(c.index, null, c.finish, first);
    }
    res.end("data: [DONE]\n\n");
  }

  return {
    server,
    stats,
    listen(port, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          const a = server.address() as AddressInfo;
          resolve(`http://${host}:${a.port}`);
        });
      });
    },
    close() {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Per-token text deltas of a finished completion, clipped to `finalText` (after stop strings). Generation runs
 * a whole batch at once (the sampler has no per-token callback), so chunks are sent when the batch is done.
 */
function tokenDeltas(engine: TextEngine, ids: number[], finalText: string): string[] {
  const out: string[] = [];
  let sent = 0;
  for (let i = 1; i <= ids.length && sent < finalText.length; i++) {
    const prefix = engine.tokenizer.decode(ids.slice(0, i));
    if (prefix.endsWith("\uFFFD")) continue; // an incomplete UTF-8 sequence: wait for the next token
    const upto = Math.min(prefix.length, finalText.length);
    if (upto > sent) {
      out.push(finalText.slice(sent, upto));
      sent = upto;
    }
  }
  if (sent < finalText.length) out.push(finalText.slice(sent));
  return out;
}

/** Reads the body as UTF-8; past `limit` bytes it drains the rest and throws a 400. */
function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on("end", () => {
      if (size > limit)
        reject(new BadRequest(`request body of ${size} bytes exceeds the limit of ${limit} bytes`));
      else resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(
  res: http.ServerResponse,
  status: number,
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
): void {
  sendJson(res, status, { error: { message, type, param, code } });
}

/**
 * The request handlers of `open-rs serve`, one module-level function per endpoint, each taking the server's
 * {@link ServerContext}; {@link ROUTES} maps method and path to them. A new endpoint is one handler and one
 * route (or `ServeOptions.routes`).
 */
import { setMaxListeners } from "node:events";
import type * as http from "node:http";
import { deriveSeed } from "../util/rng";
import type { EngineOutput, TextEngine } from "./engine";
import { ChoiceTracker } from "./server-choice";
import { BadRequest, type BodyLimits, readBody, sendJson } from "./server-http";
import type { RwLock } from "./server-lock";
import type { BatchQueue } from "./server-queue";
import { handleUpdateWeights, type ReloadOptions } from "./server-reload";
import { type GenerationRequest, parseGenerationRequest, type ValidationContext } from "./server-requests";
import { choiceJson, completionJson, responseMeta, SseWriter, usageOf } from "./server-respond";

/** What every handler reads: the engine, the queue, the limits, and the server's counters. */
export interface ServerContext {
  readonly engine: TextEngine;
  readonly queue: BatchQueue;
  readonly validation: ValidationContext;
  readonly body: BodyLimits;
  /** Generate calls made so far, sequences in them, generation requests accepted, and weight reloads. */
  readonly stats: { batches: number; sequences: number; requests: number; reloads: number };
  /** Generation requests hold it for reading, a weight reload for writing. */
  readonly weightsLock: RwLock;
  /** Set by `--allow-reload DIR`: what `POST /update_weights_from_disk` may load. */
  readonly reload?: ReloadOptions;
  /** One controller per generation request in flight; shutdown aborts what is left after the drain. */
  readonly inflight: Set<AbortController>;
  /** Where internal errors are reported (the serve command's stderr). */
  readonly log: (line: string) => void;
}

/** A request handler; `match` holds the route's regular-expression groups. */
export type Handler = (
  ctx: ServerContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  match: readonly string[],
) => Promise<void> | void;

/** One endpoint: method, path (exact, or a pattern anchored at both ends) and its handler. */
export interface Route {
  method: string;
  path: string | RegExp;
  handler: Handler;
}

/** `GET /health`. */
export function handleHealth(
  _ctx: ServerContext,
  _req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  sendJson(res, 200, { status: "ok" });
}

function modelObject(id: string) {
  return { id, object: "model", created: 0, owned_by: "open-rs" };
}

/** `GET /v1/models`: the served model under each of its names. */
export function handleModels(ctx: ServerContext, _req: http.IncomingMessage, res: http.ServerResponse): void {
  sendJson(res, 200, { object: "list", data: ctx.validation.modelIds.map(modelObject) });
}

/** `GET /v1/models/{id}`: one model, or 404 as OpenAI answers (the id may be URL-encoded and contain `/`). */
export function handleModel(
  ctx: ServerContext,
  _req: http.IncomingMessage,
  res: http.ServerResponse,
  match: readonly string[],
): void {
  let id: string;
  try {
    id = decodeURIComponent(match[1]);
  } catch {
    throw new BadRequest(`model id '${match[1]}' is not valid URL encoding`, "model");
  }
  if (!ctx.validation.modelIds.includes(id)) {
    throw new BadRequest(`The model '${id}' does not exist`, "model", "model_not_found", 404);
  }
  sendJson(res, 200, modelObject(id));
}

/** Parses the body as JSON (400 naming the parse error). */
async function readJson(req: http.IncomingMessage, limits: BodyLimits): Promise<unknown> {
  const text = await readBody(req, limits);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BadRequest(`request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** The seed of sequence k of a request: the request's seed for the first, streams derived from it after. */
function sequenceSeed(gen: GenerationRequest, k: number): number {
  if (gen.seed === undefined) return Math.floor(Math.random() * 0x7fffffff);
  return k === 0 ? gen.seed : deriveSeed(gen.seed, k);
}

/** `POST /v1/completions` and `POST /v1/chat/completions`. */
export function generationHandler(kind: GenerationRequest["kind"]): Handler {
  return async (ctx, req, res) => {
    const gen = parseGenerationRequest(kind, await readJson(req, ctx.body), ctx.validation);
    ctx.stats.requests++;
    const ac = new AbortController();
    setMaxListeners(0, ac.signal); // one listener per queued sequence of this request, by design
    const onClose = () => {
      if (!res.writableFinished) ac.abort();
    };
    res.on("close", onClose);
    ctx.inflight.add(ac);
    // the whole request runs on one set of weights: a reload waits for it, and it waits for a reload
    const release = await ctx.weightsLock.read();
    try {
      await generate(ctx, gen, res, ac);
    } finally {
      release();
      ctx.inflight.delete(ac);
      res.off("close", onClose);
    }
  };
}

/** Runs every sequence of a request through the queue, streaming or collecting, and replies. */
async function generate(
  ctx: ServerContext,
  gen: GenerationRequest,
  res: http.ServerResponse,
  ac: AbortController,
): Promise<void> {
  const signal = ac.signal;
  const meta = responseMeta(gen);
  const stream = gen.stream ? new SseWriter(res, gen, meta) : null;
  const prompts = gen.prompts.flatMap((ids) => Array.from({ length: gen.n }, () => ids));
  const trackers = prompts.map(
    () => new ChoiceTracker(ctx.engine.tokenizer, gen.stop, gen.logprobs !== null, gen.tokensAsIds),
  );
  stream?.start(prompts.length);
  let outs: EngineOutput[];
  try {
    outs = await Promise.all(
      prompts.map((ids, k) =>
        ctx.queue.submit(ids, gen, sequenceSeed(gen, k), {
          group: signal,
          signal,
          topLogprobs: gen.logprobs ?? 0,
          done: () => trackers[k].stopped,
          onToken: (token, logprob, top) => {
            const delta = trackers[k].push(token, logprob, top); // before `stream?.`: it must run either way
            stream?.delta(k, delta);
          },
        }),
      ),
    );
  } catch (e) {
    if (signal.aborted) throw e;
    ac.abort(); // one sequence failed: the request has failed, so its other sequences leave the queue
    stream?.fail((e as Error).message);
    throw e;
  }
  const finals = outs.map((o, k) => catchUp(trackers[k], o).finish());
  const reasons = outs.map((o, k) => trackers[k].finishReason(o.truncated));
  const usage = usageOf(
    gen,
    trackers.reduce((s, t) => s + t.counted, 0),
  );
  if (stream) {
    for (const [k, d] of finals.entries()) stream.finish(k, d, reasons[k]);
    return stream.end(usage);
  }
  const choices = trackers.map((t, k) => choiceJson(gen, k, t.text, t.logprobs, reasons[k]));
  sendJson(res, 200, completionJson(gen, meta, choices, usage));
}

/** Feeds a tracker the tokens an engine returned but did not stream (engines without `onToken`). */
function catchUp(t: ChoiceTracker, o: EngineOutput): ChoiceTracker {
  for (let i = t.received; i < o.completionIds.length; i++) t.push(o.completionIds[i], o.logprobs?.[i] ?? 0);
  return t;
}

/** The built-in endpoints. */
export const ROUTES: readonly Route[] = [
  { method: "GET", path: "/health", handler: handleHealth },
  { method: "GET", path: "/v1/models", handler: handleModels },
  { method: "GET", path: /^\/v1\/models\/(.+)$/, handler: handleModel },
  { method: "POST", path: "/v1/completions", handler: generationHandler("completions") },
  { method: "POST", path: "/v1/chat/completions", handler: generationHandler("chat") },
  { method: "POST", path: "/update_weights_from_disk", handler: handleUpdateWeights },
];

/**
 * HTTP plumbing of `open-rs serve`: the error type every handler throws, a body reader with a size and time
 * limit, and OpenAI-style JSON and error replies.
 */
import type * as http from "node:http";

/** A request the server refuses; becomes an OpenAI-style `{"error": {...}}` body with this status. */
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

/** Limits of {@link readBody}. */
export interface BodyLimits {
  /** Largest body, bytes. */
  maxBytes: number;
  /** The whole body must arrive within this many ms (a stalled or endless chunked upload gets 408). */
  timeoutMs: number;
}

/**
 * Reads the body as UTF-8. A declared or received size over `maxBytes` is a 413 at once, and a body that does
 * not finish within `timeoutMs` a 408; either way the connection closes after the reply (see {@link sendError}).
 */
export function readBody(req: http.IncomingMessage, limits: BodyLimits): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    return Promise.reject(tooLarge(declared, limits.maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      finish();
      reject(new BadRequest(`request body not received within ${limits.timeoutMs} ms`, null, null, 408));
    }, limits.timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= limits.maxBytes) return void chunks.push(c);
      finish();
      reject(tooLarge(size, limits.maxBytes));
    };
    const onEnd = () => {
      finish();
      resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const onError = (e: Error) => {
      finish();
      reject(new BadRequest(`request body could not be read: ${e.message}`));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

function tooLarge(size: number, limit: number): BadRequest {
  return new BadRequest(
    `request body of ${size} bytes exceeds the limit of ${limit} bytes (server flag --max-body-mb)`,
    null,
    "request_too_large",
    413,
  );
}

/** Sends a JSON reply (or just ends the response when headers already went out, e.g. mid-stream). */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent || res.destroyed) return void res.end();
  const text = JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  };
  if (close) headers.connection = "close";
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * An OpenAI-style error reply. When the request body was not read to its end (too large, too slow), the
 * connection closes after the reply and the rest of the upload is discarded.
 */
export function sendError(req: http.IncomingMessage, res: http.ServerResponse, e: BadRequest): void {
  const unread = !req.complete;
  const type = e.status >= 500 ? "server_error" : "invalid_request_error";
  sendJson(res, e.status, { error: { message: e.message, type, param: e.param, code: e.code } }, unread);
  if (unread) {
    req.resume(); // discard the rest; the socket closes once the reply is out
    setTimeout(() => req.destroy(), 5000).unref();
  }
}

/**
 * `open-rs serve --api-key KEY`: every endpoint answers 401 unless the request carries `Authorization: Bearer
 * KEY` (vLLM's `--api-key` guards only its `/v1` routes; here `/health` and the weight reload are guarded too).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type * as http from "node:http";
import { BadRequest } from "./server-http";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** Throws a 401 {@link BadRequest} unless `req` carries the bearer key (compared in constant time). */
export function checkApiKey(req: http.IncomingMessage, key: string): void {
  const header = req.headers.authorization;
  const m = typeof header === "string" ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  if (m && timingSafeEqual(digest(m[1]), digest(key))) return;
  const why = header === undefined ? "no Authorization header" : "the API key given is not this server's";
  throw new BadRequest(
    `${why}: send 'Authorization: Bearer <key>' with the key the server was started with (--api-key)`,
    null,
    "invalid_api_key",
    401,
  );
}

/**
 * Hub errors that say what was being fetched and what to do (offline, gated, missing), and the command that
 * pre-downloads a file.
 */
/** What a failed hub call was trying to fetch, for error messages. */
export interface HubTarget {
  repoId: string;
  repoType: string;
  revision: string;
  /** A file path, or `split <config>/<split>` when resolving a split. */
  what: string;
}

/** The command that fills the cache on a machine with network (prints the cache paths). */
export function predownloadCommand(t: HubTarget): string {
  const split = /^split (.+)\/(.+)$/.exec(t.what);
  const args = split ? `--config ${split[1]} --split ${split[2]}` : `--file ${t.what}`;
  const rev = t.revision === "main" ? "" : ` --revision ${t.revision}`;
  return `npx tsx src/hub/cli.ts ${t.repoId} ${args}${rev}`;
}

/**
 * No network (or offline mode) and nothing usable in the cache. The message says the three ways out: a
 * reachable `HF_ENDPOINT`, a pre-filled cache, or a local file path.
 */
export class HubOfflineError extends Error {
  readonly target: HubTarget;
  constructor(t: HubTarget, cacheDir: string, reason: string) {
    super(
      [
        `hub: cannot get ${t.repoType} ${t.repoId}@${t.revision} (${t.what}): ${reason}, and it is not in the cache at ${cacheDir}.`,
        "Do one of:",
        "  1. point HF_ENDPOINT at a reachable hub or mirror (and set HF_TOKEN if the repo is gated);",
        `  2. pre-download on a machine with network: \`${predownloadCommand(t)}\`, then copy that cache folder here and set OPEN_RS_CACHE to it (default ~/.cache/open-rs-ts);`,
        "  3. pass a local file instead: loadDataset({ path: '/path/to/train.parquet' }) (JSONL or Parquet).",
      ].join("\n"),
    );
    this.name = "HubOfflineError";
    this.target = t;
  }
}

/** The downloaded bytes do not hash to the sha256 the server announced. The partial file was deleted. */
export class ChecksumError extends Error {
  constructor(url: string, expected: string, actual: string) {
    super(
      `hub: sha256 mismatch for ${url}: server says ${expected}, downloaded bytes hash to ${actual}. ` +
        "The partial file was deleted; run again to re-download (a proxy rewriting content also causes this).",
    );
    this.name = "ChecksumError";
  }
}

/** A non-2xx hub answer, with a hint for the usual statuses. */
export class HubHttpError extends Error {
  readonly status: number;
  constructor(url: string, status: number, detail = "") {
    const hint =
      status === 401 || status === 403
        ? " The repo may be gated or private: set HF_TOKEN to a token with access."
        : status === 404
          ? " Check the repo id, revision, config, split and file name."
          : "";
    super(`hub: HTTP ${status} for ${url}.${hint}${detail ? ` Server said: ${detail.slice(0, 300)}` : ""}`);
    this.name = "HubHttpError";
    this.status = status;
  }
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** True for errors meaning "could not reach / lost the server" (fetch's TypeError and its cause codes). */
export function isNetworkError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e.name === "TimeoutError" || e.name === "AbortError") return true;
  const code = (e as { code?: string }).code;
  if (code && NETWORK_CODES.has(code)) return true;
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof Error && isNetworkError(cause)) return true;
  return e instanceof TypeError && /fetch failed|terminated|other side closed/i.test(e.message);
}

/** Short human description of a network error (the innermost cause's code or message). */
export function describeNetworkError(e: unknown): string {
  let cur: unknown = e;
  while (cur instanceof Error && (cur as { cause?: unknown }).cause instanceof Error) {
    cur = (cur as { cause?: unknown }).cause;
  }
  if (cur instanceof Error) return (cur as { code?: string }).code ?? cur.message;
  return String(cur);
}

/**
 * The hub's offline rule, shared by file downloads and split listings: in offline mode, or when `online()` fails
 * with a network error, fall back to `cached`, or throw {@link HubOfflineError} when there is none. Other errors
 * propagate.
 */
export async function onlineOrCached<T, C>(
  opts: { offline: boolean; cacheDir: string; endpoint: string },
  target: HubTarget,
  cached: C | null,
  online: () => Promise<T>,
): Promise<{ online: T } | { cached: C }> {
  if (opts.offline) {
    if (cached !== null) return { cached };
    throw new HubOfflineError(target, opts.cacheDir, "offline mode (HF_HUB_OFFLINE or offline: true)");
  }
  try {
    return { online: await online() };
  } catch (e) {
    if (!isNetworkError(e)) throw e;
    if (cached !== null) return { cached };
    throw new HubOfflineError(
      target,
      opts.cacheDir,
      `hub unreachable at ${opts.endpoint} (${describeNetworkError(e)})`,
    );
  }
}

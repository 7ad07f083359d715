/**
 * Hugging Face hub settings: endpoint, token and cache folder from options or the environment, and the
 * repository URL and cache layout.
 */
import * as os from "node:os";
import * as path from "node:path";

/** Repository kinds on the Hugging Face hub. URLs differ only by a `datasets/` or `spaces/` prefix. */
export type RepoType = "dataset" | "model" | "space";

/** Connection and cache settings shared by every hub call. Every field falls back to the environment. */
export interface HubOptions {
  /** Hub base URL. Default: `HF_ENDPOINT`, else `https://huggingface.co` (as huggingface_hub). */
  endpoint?: string;
  /** Bearer token for gated/private repos. Default: `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`. */
  token?: string;
  /** Cache root. Default: `OPEN_RS_CACHE`, else `~/.cache/open-rs-ts`. */
  cacheDir?: string;
  /** Never touch the network; serve from the cache or fail. Default: `HF_HUB_OFFLINE=1`. */
  offline?: boolean;
  /** Injected fetch (tests). Default: global fetch. */
  fetchImpl?: typeof fetch;
}

/** The default hub, used when neither the option nor `HF_ENDPOINT` is set. */
export const DEFAULT_ENDPOINT = "https://huggingface.co";

/** Resolved settings; every field present. */
export interface ResolvedHubOptions {
  endpoint: string;
  token: string | undefined;
  cacheDir: string;
  offline: boolean;
  fetchImpl: typeof fetch;
}

/** Fill hub options from the environment (see {@link HubOptions} for each variable). */
export function resolveHubOptions(opts: HubOptions = {}): ResolvedHubOptions {
  const env = process.env;
  const endpoint = (opts.endpoint ?? env.HF_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, "");
  const offlineEnv = (env.HF_HUB_OFFLINE ?? "").toLowerCase();
  return {
    endpoint,
    token: opts.token ?? env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN ?? undefined,
    cacheDir: opts.cacheDir ?? defaultCacheDir(),
    offline: opts.offline ?? ["1", "true", "yes", "on"].includes(offlineEnv),
    fetchImpl: opts.fetchImpl ?? fetch,
  };
}

/** `OPEN_RS_CACHE`, else `~/.cache/open-rs-ts`. */
export function defaultCacheDir(): string {
  return process.env.OPEN_RS_CACHE ?? path.join(os.homedir(), ".cache", "open-rs-ts");
}

/** Cache folder of one repo: `<cacheDir>/datasets--owner--name` (huggingface_hub's naming). */
export function repoCacheDir(cacheDir: string, repoType: RepoType, repoId: string): string {
  return path.join(cacheDir, `${repoType}s--${repoId.split("/").join("--")}`);
}

/** URL path prefix of a repo type: `""` for models, `datasets/`, `spaces/`. */
export function repoUrlPrefix(repoType: RepoType): string {
  return repoType === "model" ? "" : `${repoType}s/`;
}

/** Encode each segment of a repo-relative path, keeping the slashes. */
export function encodePath(p: string): string {
  return p.split("/").map(encodeURIComponent).join("/");
}

/**
 * The file URL `{endpoint}/{datasets/}{repo_id}/resolve/{revision}/{filename}`, as huggingface_hub's
 * `HUGGINGFACE_CO_URL_TEMPLATE` (`constants.py`) and huggingface.js `fileDownloadInfo` build it. The revision
 * is one encoded segment, so `refs/convert/parquet` becomes `refs%2Fconvert%2Fparquet`.
 */
export function resolveUrl(
  endpoint: string,
  repoType: RepoType,
  repoId: string,
  revision: string,
  filename: string,
): string {
  return `${endpoint}/${repoUrlPrefix(repoType)}${repoId}/resolve/${encodeURIComponent(revision)}/${encodePath(filename)}`;
}

/** Authorization header when a token is set. */
export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Validate an `owner/name` repo id; throws with the fix. */
export function checkRepoId(repoId: string): void {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repoId) || repoId.includes("--") || repoId.includes("..")) {
    throw new Error(`hub: repo id "${repoId}" is not of the form owner/name (e.g. knoveleng/open-rs)`);
  }
}

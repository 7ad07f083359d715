/** Resumable, checksummed downloads of hub files into the local cache (checked against the server's ETag / LFS sha256). */
import { createHash } from "node:crypto";
import { createReadStream, promises as fsp } from "node:fs";
import * as path from "node:path";
import {
  authHeaders,
  checkRepoId,
  type HubOptions,
  type RepoType,
  type ResolvedHubOptions,
  repoCacheDir,
  resolveHubOptions,
  resolveUrl,
} from "./config";
import {
  ChecksumError,
  describeNetworkError,
  HubHttpError,
  HubOfflineError,
  type HubTarget,
  isNetworkError,
  onlineOrCached,
} from "./errors";

/** One file to fetch from a hub repo. */
export interface HubDownloadOptions extends HubOptions {
  /** `owner/name`. */
  repoId: string;
  /** Default `"model"`, as huggingface_hub; dataset code passes `"dataset"`. */
  repoType?: RepoType;
  /** Branch, tag or commit. Default `"main"`. */
  revision?: string;
  /** Path inside the repo. */
  filename: string;
  /** Known sha256 (e.g. the tree listing's `lfs.oid`); checked in addition to the server's LFS ETag. */
  expectedSha256?: string;
  /** Resume attempts after a transfer breaks midway (HTTP Range on the `.partial` file). Default 3. */
  retries?: number;
}

/** A file in the local cache. */
export interface HubFile {
  /** Absolute path of the cached file. */
  path: string;
  /** sha256 of its bytes (hex). */
  sha256: string;
  size: number;
  /** The server's ETag (the LFS sha256 for LFS files, the git blob sha1 otherwise). */
  etag: string | null;
  /** `X-Repo-Commit` at download time. */
  commit: string | null;
  url: string;
  /** True when no byte was downloaded by this call. */
  fromCache: boolean;
}

/** What a HEAD on the resolve URL told us (huggingface_hub `get_hf_file_metadata`). */
interface FileMetadata {
  etag: string | null;
  size: number | null;
  commit: string | null;
  /** Where the bytes are: the CDN URL of a redirect, else the resolve URL. */
  downloadUrl: string;
}

type Sidecar = Omit<HubFile, "path" | "fromCache">;

const SHA256_RE = /^[0-9a-f]{64}$/;

/** Cached path of a file: `<cacheDir>/datasets--owner--name/<revision>/<filename>`. */
export function cachedFilePath(
  cacheDir: string,
  repoType: RepoType,
  repoId: string,
  revision: string,
  filename: string,
) {
  const rel = filename.split("/");
  if (rel.some((s) => s === ".." || s === "")) throw new Error(`hub: bad filename "${filename}"`);
  return path.join(repoCacheDir(cacheDir, repoType, repoId), encodeURIComponent(revision), ...rel);
}

/**
 * Download one file from a hub repo into the cache, or return the cached copy.
 *
 * - Online: a HEAD on `resolve/{revision}/{filename}` (relative redirects followed, absolute ones not, as
 *   huggingface_hub `_request_wrapper(follow_relative_redirects=True)`) gives the ETag. LFS files answer a 302
 *   to the CDN whose `X-Linked-Etag` / `X-Linked-Size` are the file's sha256 and size; that sha256 is checked.
 *   A cached file with the same ETag is reused without downloading.
 * - Resumable: bytes go to `<file>.partial`; a broken transfer is resumed with `Range: bytes=N-` (up to
 *   `retries` times in this call, or on the next call), unless the server's ETag changed meanwhile.
 * - A sidecar `<file>.meta.json` stores sha256/etag/size/commit; cache hits re-hash the file against it.
 * - Offline (`offline`, `HF_HUB_OFFLINE=1`, or the hub unreachable): the cache is used if valid, else a
 *   {@link HubOfflineError} says what to do.
 */
export async function hubDownload(opts: HubDownloadOptions): Promise<HubFile> {
  const o = resolveHubOptions(opts);
  const repoType = opts.repoType ?? "model";
  const revision = opts.revision ?? "main";
  checkRepoId(opts.repoId);
  const target = cachedFilePath(o.cacheDir, repoType, opts.repoId, revision, opts.filename);
  const url = resolveUrl(o.endpoint, repoType, opts.repoId, revision, opts.filename);
  const what: HubTarget = { repoId: opts.repoId, repoType, revision, what: opts.filename };
  const cached = await readCached(target);
  const head = await onlineOrCached(o, what, cached, () => headFile(url, o));
  if ("cached" in head) return head.cached;
  const meta = head.online;
  if (cached && cached.etag !== null && cached.etag === meta.etag) return cached;
  return downloadWithResume(target, url, meta, o, opts);
}

async function headFile(url: string, o: ResolvedHubOptions): Promise<FileMetadata> {
  let current = url;
  for (let hop = 0; hop < 5; hop++) {
    const res = await o.fetchImpl(current, {
      method: "HEAD",
      redirect: "manual",
      headers: { ...authHeaders(o.token), "Accept-Encoding": "identity" },
      signal: AbortSignal.timeout(20_000),
    });
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, current);
      if (!/^[a-z]+:/i.test(location)) {
        current = next.toString(); // relative redirect (renamed repo): follow it
        continue;
      }
      return metadataFrom(res, next.toString());
    }
    if (!res.ok) throw new HubHttpError(current, res.status, res.headers.get("x-error-message") ?? "");
    return metadataFrom(res, current);
  }
  throw new Error(`hub: too many redirects for ${url}`);
}

function metadataFrom(res: Response, downloadUrl: string): FileMetadata {
  const h = res.headers;
  const etag = normalizeEtag(h.get("x-linked-etag") ?? h.get("etag"));
  const sizeHeader = h.get("x-linked-size") ?? h.get("content-length");
  const size = sizeHeader !== null && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : null;
  return { etag, size, commit: h.get("x-repo-commit"), downloadUrl };
}

/** Strip `W/` and quotes, as huggingface_hub `_normalize_etag`. */
export function normalizeEtag(etag: string | null): string | null {
  if (!etag) return null;
  return etag.replace(/^W\//, "").replace(/^"+|"+$/g, "");
}

async function downloadWithResume(
  target: string,
  url: string,
  meta: FileMetadata,
  o: ResolvedHubOptions,
  opts: HubDownloadOptions,
): Promise<HubFile> {
  const retries = opts.retries ?? 3;
  await fsp.mkdir(path.dirname(target), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      await fetchIntoPartial(target, meta, o, url);
      break;
    } catch (e) {
      if (!(isNetworkError(e) || e instanceof IncompleteError) || attempt >= retries) {
        if (isNetworkError(e)) {
          throw new Error(
            `hub: transfer of ${url} broke (${describeNetworkError(e)}) after ${attempt + 1} attempt(s); ` +
              `the bytes so far are kept in ${target}.partial and the next call resumes from there.`,
            { cause: e },
          );
        }
        throw e;
      }
    }
  }
  return finalize(target, url, meta, opts.expectedSha256);
}

class IncompleteError extends Error {}

async function fetchIntoPartial(target: string, meta: FileMetadata, o: ResolvedHubOptions, url: string) {
  const partial = `${target}.partial`;
  const partialMeta = `${partial}.json`;
  const prev = await readJson<{ etag: string | null }>(partialMeta);
  if (!prev || prev.etag !== meta.etag) await fsp.rm(partial, { force: true });
  await fsp.writeFile(partialMeta, JSON.stringify({ etag: meta.etag, url }));
  let offset = await fileSize(partial);
  if (meta.size !== null && offset === meta.size) return;
  if (meta.size !== null && offset > meta.size) {
    await fsp.rm(partial, { force: true });
    offset = 0;
  }
  const sameHost = new URL(meta.downloadUrl).host === new URL(o.endpoint).host;
  const headers: Record<string, string> = {
    ...(sameHost ? authHeaders(o.token) : {}), // signed CDN URLs must not get the hub token
    "Accept-Encoding": "identity",
    ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}),
  };
  const res = await o.fetchImpl(meta.downloadUrl, { headers });
  if (res.status === 416) {
    await fsp.rm(partial, { force: true });
    throw new IncompleteError(`hub: server refused range ${offset}- for ${url}; restarting`);
  }
  if (!res.ok) throw new HubHttpError(meta.downloadUrl, res.status, await res.text().catch(() => ""));
  if (!res.body) throw new IncompleteError(`hub: empty body for ${url}`);
  const append = res.status === 206 && offset > 0;
  const fh = await fsp.open(partial, append ? "a" : "w");
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) await fh.write(chunk);
  } finally {
    await fh.close();
  }
  const got = await fileSize(partial);
  if (meta.size !== null && got < meta.size) {
    throw new IncompleteError(`hub: got ${got} of ${meta.size} bytes of ${url}`);
  }
}

async function finalize(
  target: string,
  url: string,
  meta: FileMetadata,
  expected?: string,
): Promise<HubFile> {
  const partial = `${target}.partial`;
  const sha256 = await sha256File(partial);
  const want = [meta.etag, expected?.toLowerCase()].filter((x): x is string => !!x && SHA256_RE.test(x));
  for (const w of want) {
    if (w !== sha256) {
      await fsp.rm(partial, { force: true });
      await fsp.rm(`${partial}.json`, { force: true });
      throw new ChecksumError(url, w, sha256);
    }
  }
  const size = await fileSize(partial);
  await fsp.rename(partial, target);
  await fsp.rm(`${partial}.json`, { force: true });
  const sidecar: Sidecar = { sha256, size, etag: meta.etag, commit: meta.commit, url };
  await fsp.writeFile(`${target}.meta.json`, `${JSON.stringify(sidecar, null, 2)}\n`);
  return { path: target, ...sidecar, fromCache: false };
}

/** The cached file when it and its sidecar exist and the bytes still hash to the recorded sha256. */
async function readCached(target: string): Promise<HubFile | null> {
  const side = await readJson<Sidecar>(`${target}.meta.json`);
  if (!side || (await fileSize(target)) !== side.size) return null;
  if ((await sha256File(target)) !== side.sha256) return null;
  return { path: target, ...side, fromCache: true };
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return 0; // missing file: nothing downloaded yet
  }
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fsp.readFile(file, "utf8")) as T;
  } catch {
    return null; // missing or unreadable sidecar: treated as "not cached"
  }
}

/** Which files hold a hub dataset split: the repo's own data files, else the dataset viewer's Parquet conversion. */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import {
  authHeaders,
  checkRepoId,
  encodePath,
  type HubOptions,
  type ResolvedHubOptions,
  repoCacheDir,
  resolveHubOptions,
} from "./config";
import { HubHttpError, type HubTarget, onlineOrCached } from "./errors";

/** The branch where the dataset viewer publishes its Parquet conversion of every public dataset. */
export const PARQUET_REVISION = "refs/convert/parquet";

/** One data file of a split, as {@link hubDownload} takes it. */
export interface DatasetFile {
  revision: string;
  filename: string;
  /** sha256 from the tree listing (`lfs.oid`) when known. */
  sha256?: string;
  size?: number;
}

/** Which split to resolve. */
export interface ResolveDatasetOptions extends HubOptions {
  repoId: string;
  /** Default `"train"`. */
  split?: string;
  /** Dataset config (subset). Default `"default"`. */
  config?: string;
  /** Default `"main"`; the Parquet conversion is used only for `main`. */
  revision?: string;
}

interface TreeEntry {
  type: string;
  path: string;
  size?: number;
  lfs?: { oid?: string; size?: number };
}

const DATA_EXT = /\.(parquet|jsonl|json)$/i;

/**
 * List the data files of one split of a hub dataset, in shard order. Tried in turn:
 * 1. the tree of the Parquet conversion branch, `GET /api/datasets/{id}/tree/refs%2Fconvert%2Fparquet/{config}/{split}`
 *    (huggingface.js `listFiles`; entries carry `lfs.oid` = sha256; `Link: rel="next"` paginates);
 * 2. the Hub API `GET /api/datasets/{id}/parquet/{config}/{split}`, which returns URLs
 *    `.../parquet/{config}/{split}/{n}.parquet` that redirect to `resolve/refs%2Fconvert%2Fparquet/{config}/{split}/{nnnn}.parquet`
 *    (dataset-viewer docs, "List Parquet files" → "Using the Hugging Face Hub API");
 * 3. the repo's own files at `revision` (`/api/datasets/{id}/tree/{revision}?recursive=true`): `.parquet`, `.jsonl`
 *    or `.json` files whose path names the split (`train.jsonl`, `data/train-00000-of-00001.parquet`, `train/…`).
 * The answer is stored as a manifest in the cache, so offline runs can reuse it.
 */
export async function resolveDatasetFiles(opts: ResolveDatasetOptions): Promise<DatasetFile[]> {
  const o = resolveHubOptions(opts);
  checkRepoId(opts.repoId);
  const split = opts.split ?? "train";
  const config = opts.config ?? "default";
  const revision = opts.revision ?? "main";
  const manifest = path.join(
    repoCacheDir(o.cacheDir, "dataset", opts.repoId),
    "manifests",
    encodeURIComponent(revision),
    encodeURIComponent(config),
    `${encodeURIComponent(split)}.json`,
  );
  const target: HubTarget = {
    repoId: opts.repoId,
    repoType: "dataset",
    revision,
    what: `split ${config}/${split}`,
  };
  const saved = await readManifest(manifest);
  const listed = await onlineOrCached(o, target, saved, () =>
    listSplitFiles(o, opts.repoId, config, split, revision),
  );
  if ("cached" in listed) return listed.cached;
  const files = listed.online;
  await fsp.mkdir(path.dirname(manifest), { recursive: true });
  await fsp.writeFile(manifest, `${JSON.stringify(files, null, 2)}\n`);
  return files;
}

async function listSplitFiles(
  o: ResolvedHubOptions,
  repoId: string,
  config: string,
  split: string,
  revision: string,
): Promise<DatasetFile[]> {
  const api = `${o.endpoint}/api/datasets/${repoId}`;
  if (revision === "main") {
    const tree = await listTree(
      o,
      `${api}/tree/${encodeURIComponent(PARQUET_REVISION)}/${encodePath(`${config}/${split}`)}`,
    );
    const parquet = (tree ?? []).filter((e) => e.type === "file" && e.path.endsWith(".parquet"));
    if (parquet.length > 0) return parquet.map((e) => toFile(PARQUET_REVISION, e));
    const urls = await getJson<string[]>(o, `${api}/parquet/${encodePath(`${config}/${split}`)}`);
    if (urls && urls.length > 0) return urls.map((u) => fromParquetApiUrl(u, config, split));
  }
  const all = (await listTree(o, `${api}/tree/${encodeURIComponent(revision)}?recursive=true`)) ?? [];
  const files = all.filter(
    (e) => e.type === "file" && DATA_EXT.test(e.path) && pathNamesSplit(e.path, split),
  );
  if (files.length === 0) {
    const seen = all.filter((e) => e.type === "file").map((e) => e.path);
    throw new Error(
      `hub: found no data files for split "${split}" (config "${config}") of dataset ${repoId}@${revision}. ` +
        `Files in the repo: ${seen.slice(0, 20).join(", ") || "(none)"}. Pass split/config explicitly, or a local path.`,
    );
  }
  return files.map((e) => toFile(revision, e));
}

function toFile(revision: string, e: TreeEntry): DatasetFile {
  const oid = e.lfs?.oid?.replace(/^sha256:/, "");
  return { revision, filename: e.path, sha256: oid, size: e.lfs?.size ?? e.size };
}

/** `…/parquet/{config}/{split}/{n}.parquet` → `{config}/{split}/{nnnn}.parquet` on the conversion branch. */
function fromParquetApiUrl(url: string, config: string, split: string): DatasetFile {
  const m = /\/(\d+)\.parquet$/.exec(url);
  if (!m) throw new Error(`hub: unexpected parquet URL from the Hub API: ${url}`);
  return { revision: PARQUET_REVISION, filename: `${config}/${split}/${m[1].padStart(4, "0")}.parquet` };
}

/** True when a repo path names the split: a segment equal to it, or a file name starting `split.`/`split-`/`split_`. */
export function pathNamesSplit(p: string, split: string): boolean {
  const segs = p.split("/");
  const base = segs[segs.length - 1];
  return segs.slice(0, -1).includes(split) || new RegExp(`^${escapeRe(split)}([.\\-_]|$)`).test(base);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** All entries of a tree listing (following `Link: <…>; rel="next"`), or null on 404. */
async function listTree(o: ResolvedHubOptions, url: string): Promise<TreeEntry[] | null> {
  const out: TreeEntry[] = [];
  let next: string | null = url;
  while (next) {
    const res = await o.fetchImpl(next, { headers: { ...authHeaders(o.token), Accept: "application/json" } });
    if (res.status === 404) return out.length > 0 ? out : null;
    if (!res.ok) throw new HubHttpError(next, res.status, await res.text().catch(() => ""));
    out.push(...((await res.json()) as TreeEntry[]));
    const link = res.headers.get("link");
    const m = link ? /<([^>]+)>\s*;\s*rel="next"/.exec(link) : null;
    next = m ? new URL(m[1], next).toString() : null;
  }
  return out;
}

async function getJson<T>(o: ResolvedHubOptions, url: string): Promise<T | null> {
  const res = await o.fetchImpl(url, { headers: { ...authHeaders(o.token), Accept: "application/json" } });
  if (res.status === 404) return null;
  if (!res.ok) throw new HubHttpError(url, res.status, await res.text().catch(() => ""));
  return (await res.json()) as T;
}

async function readManifest(file: string): Promise<DatasetFile[] | null> {
  try {
    return JSON.parse(await fsp.readFile(file, "utf8")) as DatasetFile[];
  } catch {
    return null; // no manifest yet
  }
}

import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** A file the fake hub serves at `/{datasets/}{repo}/resolve/{revision}/{path}`. */
export interface FakeFile {
  repo: string;
  revision: string;
  path: string;
  body: Buffer;
  /** LFS files answer a 302 to `/cdn/<sha256>` with `X-Linked-Etag`; others a 200 with a sha1 ETag. */
  lfs: boolean;
}

/** Faults to inject into `/cdn` answers. */
export interface Faults {
  /** Cut the connection after this many bytes, for the next `cutTimes` GETs. */
  cutAfter?: number;
  cutTimes?: number;
  /** Serve bytes with one byte flipped (the announced sha256 stays the true one). */
  corrupt?: boolean;
}

/**
 * A loopback stand-in for huggingface.co (node:http on 127.0.0.1, port 0): resolve URLs with LFS redirects,
 * HTTP Range, the tree API and the `/parquet` Hub API. Records every request.
 */
export class FakeHub {
  readonly files: FakeFile[] = [];
  readonly log: Array<{ method: string; url: string; range?: string }> = [];
  faults: Faults = {};
  /** Tree API answers 404 (to exercise the `/parquet` fallback). */
  treeMissing = false;
  private server = http.createServer((req, res) => this.handle(req, res));
  endpoint = "";

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  add(f: FakeFile): FakeFile {
    this.files.push(f);
    return f;
  }

  static sha256(b: Buffer): string {
    return createHash("sha256").update(b).digest("hex");
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? "/";
    this.log.push({ method: req.method ?? "", url, range: req.headers.range });
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url);
    if (cdn) {
      this.serveBytes(
        req,
        res,
        this.files.find((f) => FakeHub.sha256(f.body) === cdn[1]),
      );
      return;
    }
    const tree = /^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/([^/?]+)\/?([^?]*)/.exec(url);
    if (tree) {
      this.serveTree(res, tree[1], decodeURIComponent(tree[2]), decodeURIComponent(tree[3]));
      return;
    }
    const pq = /^\/api\/datasets\/([^/]+\/[^/]+)\/parquet\/([^/]+)\/([^/]+)$/.exec(url);
    if (pq) {
      this.serveParquetApi(res, pq[1], pq[2], pq[3]);
      return;
    }
    const m = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url);
    const f = m
      ? this.files.find(
          (x) =>
            x.repo === m[1] && x.revision === decodeURIComponent(m[2]) && x.path === decodeURIComponent(m[3]),
        )
      : undefined;
    if (!f) {
      res.writeHead(404, { "X-Error-Code": "EntryNotFound" }).end("not found");
      return;
    }
    const sha = FakeHub.sha256(f.body);
    if (f.lfs) {
      res.writeHead(302, {
        Location: `${this.endpoint}/cdn/${sha}`,
        "X-Linked-Etag": `"${sha}"`,
        "X-Linked-Size": String(f.body.length),
        "X-Repo-Commit": "c0ffee",
        ETag: '"pointer-sha1"',
      });
      res.end();
      return;
    }
    const etag = createHash("sha1").update(f.body).digest("hex");
    res.writeHead(200, { ETag: `"${etag}"`, "Content-Length": f.body.length, "X-Repo-Commit": "c0ffee" });
    res.end(req.method === "HEAD" ? undefined : f.body);
  }

  private serveBytes(req: http.IncomingMessage, res: http.ServerResponse, f: FakeFile | undefined): void {
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    const body = Buffer.from(f.body);
    if (this.faults.corrupt) body[body.length >> 1] ^= 0xff;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    if (start >= body.length && range) {
      res.writeHead(416).end();
      return;
    }
    const part = body.subarray(start);
    res.writeHead(range ? 206 : 200, {
      "Content-Length": part.length,
      ...(range ? { "Content-Range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const cut = this.faults.cutAfter;
    if (cut !== undefined && (this.faults.cutTimes ?? 1) > 0 && cut < part.length) {
      this.faults.cutTimes = (this.faults.cutTimes ?? 1) - 1;
      res.write(part.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(part);
  }

  private serveTree(res: http.ServerResponse, repo: string, revision: string, prefix: string): void {
    const files = this.files.filter(
      (f) => f.repo === repo && f.revision === revision && (prefix === "" || f.path.startsWith(`${prefix}/`)),
    );
    if (this.treeMissing || files.length === 0) {
      res.writeHead(404).end("[]");
      return;
    }
    const entries = files.map((f) => ({
      type: "file",
      path: f.path,
      size: f.body.length,
      ...(f.lfs ? { lfs: { oid: FakeHub.sha256(f.body), size: f.body.length } } : {}),
    }));
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(entries));
  }

  private serveParquetApi(res: http.ServerResponse, repo: string, config: string, split: string): void {
    const files = this.files.filter((f) => f.repo === repo && f.path.startsWith(`${config}/${split}/`));
    if (files.length === 0) {
      res.writeHead(404).end();
      return;
    }
    const urls = files.map(
      (_, i) => `${this.endpoint}/api/datasets/${repo}/parquet/${config}/${split}/${i}.parquet`,
    );
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(urls));
  }
}

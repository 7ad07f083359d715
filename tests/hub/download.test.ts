import assert from "node:assert/strict";
import { promises as fsp, mkdtempSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { ChecksumError, HubOfflineError, hubDownload, resolveDatasetFiles } from "../../src/hub";
import { FakeHub } from "./fake-hub";

const REPO = "tester/tiny";
// 200 KB of non-repeating bytes, so a resume at the wrong offset would change the hash
const BIG = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919 + (i >> 8)) & 0xff));

describe("hubDownload against a loopback hub", () => {
  let hub: FakeHub;
  let cacheDir: string;
  before(async () => {
    hub = await new FakeHub().start();
    hub.add({ repo: REPO, revision: "main", path: "data/train.bin", body: BIG, lfs: true });
    hub.add({ repo: REPO, revision: "main", path: "README.md", body: Buffer.from("# tiny\n"), lfs: false });
  });
  after(() => hub.stop());
  beforeEach(() => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), "hubdl-"));
    hub.faults = {};
    hub.log.length = 0;
  });
  const dl = (extra: object = {}) =>
    hubDownload({
      repoId: REPO,
      repoType: "dataset",
      filename: "data/train.bin",
      cacheDir,
      endpoint: hub.endpoint,
      ...extra,
    });

  test("fresh download of an LFS file: bytes, sha256 and sidecar", async () => {
    const got = await dl();
    assert.equal(got.fromCache, false);
    assert.deepEqual(await fsp.readFile(got.path), BIG);
    assert.equal(got.sha256, FakeHub.sha256(BIG));
    assert.equal(got.etag, FakeHub.sha256(BIG)); // X-Linked-Etag, quotes stripped
    assert.equal(got.commit, "c0ffee");
    assert.ok(got.path.startsWith(path.join(cacheDir, "datasets--tester--tiny", "main")));
    const side = JSON.parse(await fsp.readFile(`${got.path}.meta.json`, "utf8"));
    assert.equal(side.sha256, got.sha256);
    assert.equal(side.size, BIG.length);
  });

  test("non-LFS file (sha1 ETag) downloads; a second call is a cache hit with no GET", async () => {
    const a = await hubDownload({
      repoId: REPO,
      repoType: "dataset",
      filename: "README.md",
      cacheDir,
      endpoint: hub.endpoint,
    });
    assert.equal(await fsp.readFile(a.path, "utf8"), "# tiny\n");
    hub.log.length = 0;
    const b = await hubDownload({
      repoId: REPO,
      repoType: "dataset",
      filename: "README.md",
      cacheDir,
      endpoint: hub.endpoint,
    });
    assert.equal(b.fromCache, true);
    assert.deepEqual(
      hub.log.map((r) => r.method),
      ["HEAD"],
    );
  });

  test("a transfer cut midway leaves a .partial; the next call resumes with Range", async () => {
    hub.faults = { cutAfter: 50_000, cutTimes: 1 };
    await assert.rejects(dl({ retries: 0 }), /broke .*resumes/s);
    const partial = path.join(cacheDir, "datasets--tester--tiny", "main", "data", "train.bin.partial");
    const kept = (await fsp.stat(partial)).size;
    assert.ok(kept > 0 && kept <= 50_000, `kept ${kept} bytes`);
    hub.log.length = 0;
    const got = await dl({ retries: 0 });
    assert.deepEqual(await fsp.readFile(got.path), BIG);
    const gets = hub.log.filter((r) => r.method === "GET");
    assert.deepEqual(
      gets.map((r) => r.range),
      [`bytes=${kept}-`],
    );
    await assert.rejects(fsp.stat(partial));
  });

  test("retries resume automatically within one call", async () => {
    hub.faults = { cutAfter: 30_000, cutTimes: 2 };
    const got = await dl();
    assert.deepEqual(await fsp.readFile(got.path), BIG);
    const ranges = hub.log.filter((r) => r.method === "GET").map((r) => r.range);
    assert.equal(ranges.length, 3);
    assert.equal(ranges[0], undefined);
    assert.match(ranges[1] ?? "", /^bytes=\d+-$/);
  });

  test("checksum mismatch is detected and nothing is cached", async () => {
    hub.faults = { corrupt: true };
    await assert.rejects(
      dl(),
      (e: unknown) => e instanceof ChecksumError && /sha256 mismatch/.test(e.message),
    );
    const dir = path.join(cacheDir, "datasets--tester--tiny", "main", "data");
    assert.deepEqual(await fsp.readdir(dir), []);
  });

  test("cache hit without network: server gone, and offline mode makes no request", async () => {
    const first = await dl();
    const dead = await new FakeHub().start();
    const deadEndpoint = dead.endpoint;
    await dead.stop(); // a port with nobody listening: ECONNREFUSED
    const again = await dl({ endpoint: deadEndpoint });
    assert.equal(again.fromCache, true);
    assert.equal(again.path, first.path);
    hub.log.length = 0;
    const off = await dl({ offline: true });
    assert.equal(off.fromCache, true);
    assert.equal(hub.log.length, 0);
  });

  test("offline with an empty cache: the error says what to do", async () => {
    const dead = await new FakeHub().start();
    const deadEndpoint = dead.endpoint;
    await dead.stop();
    await assert.rejects(dl({ endpoint: deadEndpoint }), (e: unknown) => {
      assert.ok(e instanceof HubOfflineError);
      assert.match(e.message, /ECONNREFUSED/);
      assert.match(e.message, /HF_ENDPOINT/);
      assert.match(e.message, /npx tsx src\/hub\/cli\.ts tester\/tiny --file data\/train\.bin/);
      assert.match(e.message, /OPEN_RS_CACHE/);
      assert.match(e.message, /local file/);
      return true;
    });
    await assert.rejects(dl({ offline: true }), /offline mode/);
  });

  test("a corrupted cached file is not served: it is downloaded again", async () => {
    const first = await dl();
    await fsp.writeFile(first.path, Buffer.from("garbage"));
    const again = await dl();
    assert.equal(again.fromCache, false);
    assert.deepEqual(await fsp.readFile(again.path), BIG);
  });
});

describe("resolveDatasetFiles", () => {
  let hub: FakeHub;
  let cacheDir: string;
  before(async () => {
    hub = await new FakeHub().start();
    const shard = (i: number) => Buffer.from(`shard ${i}`);
    for (const i of [0, 1]) {
      const name = `default/train/${String(i).padStart(4, "0")}.parquet`;
      hub.add({ repo: REPO, revision: "refs/convert/parquet", path: name, body: shard(i), lfs: true });
    }
    hub.add({
      repo: REPO,
      revision: "main",
      path: "data/test-00000-of-00001.jsonl",
      body: Buffer.from("{}"),
      lfs: false,
    });
  });
  after(() => hub.stop());
  beforeEach(() => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), "hubres-"));
    hub.treeMissing = false;
  });

  test("tree listing of refs/convert/parquet gives shards with sha256, in order", async () => {
    const files = await resolveDatasetFiles({
      repoId: REPO,
      split: "train",
      cacheDir,
      endpoint: hub.endpoint,
    });
    assert.deepEqual(
      files.map((f) => [f.revision, f.filename, f.sha256]),
      [0, 1].map((i) => [
        "refs/convert/parquet",
        `default/train/000${i}.parquet`,
        FakeHub.sha256(Buffer.from(`shard ${i}`)),
      ]),
    );
    assert.ok(hub.log.some((r) => r.url.includes("/tree/refs%2Fconvert%2Fparquet/default/train")));
  });

  test("falls back to the /parquet Hub API, then serves the manifest offline", async () => {
    hub.treeMissing = true;
    const files = await resolveDatasetFiles({
      repoId: REPO,
      split: "train",
      cacheDir,
      endpoint: hub.endpoint,
    });
    assert.deepEqual(
      files.map((f) => f.filename),
      ["default/train/0000.parquet", "default/train/0001.parquet"],
    );
    const again = await resolveDatasetFiles({ repoId: REPO, split: "train", cacheDir, offline: true });
    assert.deepEqual(again, files);
  });

  test("raw repo files are used when no conversion exists; unknown split names the files seen", async () => {
    hub.treeMissing = false;
    const files = await resolveDatasetFiles({
      repoId: REPO,
      split: "test",
      cacheDir,
      endpoint: hub.endpoint,
    });
    assert.deepEqual(
      files.map((f) => [f.revision, f.filename]),
      [["main", "data/test-00000-of-00001.jsonl"]],
    );
    await assert.rejects(
      resolveDatasetFiles({ repoId: REPO, split: "validation", cacheDir, endpoint: hub.endpoint }),
      /no data files for split "validation".*data\/test-00000-of-00001\.jsonl/s,
    );
  });
});

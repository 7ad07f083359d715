import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { run as evalCmd } from "../../src/cli/commands/eval";
import { makeSplits } from "../../src/data/synthetic/index";
import { startServe } from "./helpers/serve-process";
import { TINY_TOKENIZER_DIR, writeTinyModelDir } from "./helpers/tiny-model";

const records = (f: string) =>
  readFileSync(f, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .map((r) => [r.problemId, r.sampleIndex, r.completion, r.correct, r.hash])
    .sort((a, b) => `${a[0]}/${a[1]}`.localeCompare(`${b[0]}/${b[1]}`));

describe("open-rs serve + open-rs eval (CLI)", {
  skip: !existsSync(TINY_TOKENIZER_DIR) && "no tiny-r1 tokenizer",
}, () => {
  let dir: string;
  let work: string;
  let serve: ChildProcess;
  let url: string;
  before(async () => {
    dir = await writeTinyModelDir();
    work = mkdtempSync(path.join(os.tmpdir(), "eval-cli-"));
    const { heldoutEasy } = makeSplits({ heldoutHardSize: 1, heldoutEasySize: 4, trainSize: 1 });
    writeFileSync(path.join(work, "synth.jsonl"), heldoutEasy.map((r) => JSON.stringify(r)).join("\n"));
    ({ child: serve, url } = await startServe(["--model", dir, "--port", "0", "--name", "tiny"]));
  });
  after(() => {
    serve.kill("SIGTERM");
    rmSync(work, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("evaluates a synthetic file via --base-url and via --model with the same greedy results", {
    timeout: 120_000,
  }, async () => {
    const common = [
      "--benchmarks",
      path.join(work, "synth.jsonl"),
      "--n",
      "2",
      "--temperature",
      "0",
      "--max-tokens",
      "8",
    ];
    const httpOut = path.join(work, "http.jsonl");
    const localOut = path.join(work, "local.jsonl");
    assert.equal(
      await evalCmd([
        "--base-url",
        url,
        "--concurrency",
        "3",
        "--out",
        httpOut,
        "--html",
        path.join(work, "t.html"),
        ...common,
      ]),
      0,
    );
    assert.equal(await evalCmd(["--model", dir, "--out", localOut, ...common]), 0);
    const h = records(httpOut);
    assert.equal(h.length, 8);
    // The model label differs (served name "tiny" vs the dir's base name), so hashes differ; samples must not.
    assert.deepEqual(
      h.map((r) => r.slice(0, 4)),
      records(localOut).map((r) => r.slice(0, 4)),
    );
    assert.match(readFileSync(path.join(work, "t.html"), "utf8"), /<table/);
    // Rerunning resumes: nothing new is drawn and the file does not grow.
    assert.equal(await evalCmd(["--base-url", url, "--out", httpOut, ...common]), 0);
    assert.equal(records(httpOut).length, 8);
  });

  it("rejects bad flags with exit code 2", async () => {
    assert.equal(await evalCmd(["--bogus"]), 2);
    assert.equal(await evalCmd(["--benchmarks", "aime24"]), 2);
    assert.equal(await evalCmd(["--model", dir, "--protocol", "paper", "--n", "4"]), 2); // "paper protocol draws n = 1"
  });
});

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";

const repoRoot = resolve(__dirname, "../..");
const cache = mkdtempSync(join(tmpdir(), "convert-cli-"));
after(() => rmSync(cache, { recursive: true, force: true }));

function openRs(...args: string[]) {
  return spawnSync(process.execPath, ["bin/open-rs.js", "convert", ...args], {
    cwd: repoRoot,
    env: { ...process.env, OPEN_RS_CACHE: cache },
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("open-rs convert", () => {
  it("writes a cached GGUF, prints its path, and reuses it the second time", () => {
    const first = openRs("tests/fixtures/tiny-qwen2/untied", "--type", "q8_0");
    assert.equal(first.status, 0, first.stderr);
    const path = first.stdout.trim();
    assert.match(path, /gguf[/\\]untied-Q8_0-[0-9a-f]{12}\.gguf$/);
    assert.ok(path.startsWith(cache) && existsSync(path));
    assert.match(first.stderr, /note: no tokenizer.json: the GGUF has placeholder tokens/);
    assert.match(first.stderr, /Q8_0, [\d.]+ KiB, written in/);
    const again = openRs("tests/fixtures/tiny-qwen2/untied", "--type", "Q8_0", "--json");
    assert.equal(again.status, 0, again.stderr);
    const res = JSON.parse(again.stdout);
    assert.equal(res.cached, true);
    assert.equal(res.path, path);
  });

  it("--out writes where asked", () => {
    const out = join(cache, "mine.gguf");
    const r = openRs("tests/fixtures/tiny-qwen2/tied", "--out", out);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), out);
    assert.ok(existsSync(out));
  });

  it("user mistakes are one line with the fix (exit 2 for usage, 1 for a bad checkpoint)", () => {
    const badType = openRs("tests/fixtures/tiny-qwen2/tied", "--type", "q4");
    assert.equal(badType.status, 2);
    assert.equal(
      badType.stderr.trim(),
      'open-rs convert: --type: unknown GGUF type "q4"; use one of F32, F16, Q8_0',
    );
    const noDir = openRs("no/such/dir");
    assert.equal(noDir.status, 1);
    assert.match(
      noDir.stderr.trim(),
      /^open-rs convert: \S+no\/such\/dir: no config.json \(not a Hugging Face model directory\)$/,
    );
    const none = openRs();
    assert.equal(none.status, 2);
    assert.match(none.stderr, /give exactly one checkpoint directory/);
    const typo = openRs("tests/fixtures/tiny-qwen2/tied", "--typ", "f16");
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /Unknown option '--typ'/);
  });
});

import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { startServe } from "./helpers/serve-process";

// `open-rs serve` under SIGTERM: requests in flight finish within --drain-s, the rest are cancelled after it,
// and the process exits 0 either way (a bound that is the point of the feature, with margin).

const REPO = resolve(__dirname, "../..");
const TINY = join(REPO, "data/models/tiny-r1");

const start = (args: string[]) => startServe(["--model", TINY, "--port", "0", ...args]);

const exitOf = (child: ChildProcess) => new Promise<number | null>((r) => child.once("exit", r));

describe("open-rs serve: SIGTERM drains, then exits", () => {
  it("a request in flight finishes within the drain and gets its answer; exit 0", {
    timeout: 60_000,
  }, async () => {
    const { child, url, stderr } = await start(["--drain-s", "20"]);
    const exited = exitOf(child);
    const body = {
      model: "tiny-r1",
      prompt: Array(32).fill("1+1="),
      max_tokens: 64,
      temperature: 1,
      seed: 1,
    };
    const req = fetch(`${url}/v1/completions`, { method: "POST", body: JSON.stringify(body) });
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGTERM");
    const res = await req;
    assert.equal(res.status, 200);
    const j = (await res.json()) as { choices: unknown[] };
    assert.equal(j.choices.length, 32);
    assert.equal(await exited, 0, stderr());
    assert.match(stderr(), /SIGTERM: finishing requests in flight \(up to 20 s\)/);
    assert.match(stderr(), /stopped \(1 request\(s\) finished, 0 cancelled\)/);
  });

  it("work past the drain is cancelled: the process exits soon after --drain-s", {
    timeout: 60_000,
  }, async () => {
    const { child, url, stderr } = await start(["--drain-s", "0.5", "--max-sequences", "4000"]);
    const exited = exitOf(child);
    const body = { model: "tiny-r1", prompt: Array(2000).fill("12+"), max_tokens: 256, temperature: 1 };
    const req = fetch(`${url}/v1/completions`, { method: "POST", body: JSON.stringify(body) }).then(
      (r) => r.status,
      () => "closed",
    );
    await new Promise((r) => setTimeout(r, 800));
    const t0 = performance.now();
    child.kill("SIGTERM");
    assert.equal(await exited, 0, stderr());
    const waited = performance.now() - t0;
    assert.ok(waited < 4000, `exited ${waited.toFixed(0)} ms after SIGTERM with a 0.5 s drain`);
    assert.equal(await req, "closed");
    assert.match(stderr(), /stopped \(0 request\(s\) finished, 1 cancelled\)/);
  });
});

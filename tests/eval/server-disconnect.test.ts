import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT } from "../../src/eval/benchmarks";
import { loadLocalEngine } from "../../src/eval/local-model";
import { createServer, type OpenAiServer } from "../../src/eval/server";

// The embedded tiny-r1 behind the server, as `open-rs serve --model data/models/tiny-r1` runs it: a client that
// asks for 2,000 prompts and hangs up must not hold the model for the next client, and /health answers while
// the model works. Latency bounds are the point here (generous margins: this machine is shared).

const MODEL = path.join(REPO_ROOT, "data/models/tiny-r1");
let srv: OpenAiServer;
let url: string;

const small = { model: "tiny-r1", prompt: "1+1=", temperature: 0, max_tokens: 8 };

async function timed(f: () => Promise<Response>): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const r = await f();
  await r.arrayBuffer();
  return { ms: performance.now() - t0, status: r.status };
}

describe("open-rs serve with tiny-r1: disconnects and long work", () => {
  before(async () => {
    const engine = await loadLocalEngine(MODEL, { microBatch: 8 });
    srv = createServer(engine, { maxSequences: 2000 });
    url = await srv.listen(0, "127.0.0.1");
  });
  after(() => srv.close());

  it("the issue's request (2,000 prompts × n = 8) is refused under the default cap", async () => {
    const dflt = createServer(await loadLocalEngine(MODEL, { skipBackendInit: true }));
    const u = await dflt.listen(0, "127.0.0.1");
    try {
      const r = await fetch(`${u}/v1/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "tiny-r1", prompt: Array(2000).fill("12+"), n: 8 }),
      });
      assert.equal(r.status, 400);
      assert.match(
        await r.text(),
        /16000 sequences; the limit per request is 1024 \(server flag --max-sequences\)/,
      );
    } finally {
      await dflt.close();
    }
  });

  it("an aborted 2,000-prompt request delays the next request by < 2 s; /health answers meanwhile", async (t) => {
    const alone = await timed(() =>
      fetch(`${url}/v1/completions`, { method: "POST", body: JSON.stringify(small) }),
    );
    assert.equal(alone.status, 200);
    const ac = new AbortController();
    const big = fetch(`${url}/v1/completions`, {
      method: "POST",
      body: JSON.stringify({
        model: "tiny-r1",
        prompt: Array(2000).fill("12+"),
        max_tokens: 256,
        temperature: 1,
      }),
      signal: ac.signal,
    }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));
    const batchesBefore = srv.stats.batches;
    const health = await timed(() => fetch(`${url}/health`));
    assert.equal(health.status, 200);
    ac.abort();
    await big;
    const next = await timed(() =>
      fetch(`${url}/v1/completions`, { method: "POST", body: JSON.stringify(small) }),
    );
    assert.equal(next.status, 200);
    t.diagnostic(
      `alone ${alone.ms.toFixed(0)} ms; /health during the big request ${health.ms.toFixed(0)} ms; next request after the abort ${next.ms.toFixed(0)} ms; batches started by then: ${batchesBefore}`,
    );
    assert.ok(health.ms < 2000, `/health took ${health.ms.toFixed(0)} ms while the model worked`);
    assert.ok(next.ms < 2000, `the next request took ${next.ms.toFixed(0)} ms after the abort`);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(srv.stats.batches - batchesBefore <= 3, "the aborted request's queued sequences were dropped");
  });
});

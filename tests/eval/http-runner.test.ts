import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { evaluate } from "../../src/eval/evaluate";
import { HttpRunner, v1Root } from "../../src/eval/http-runner";
import { InProcessRunner } from "../../src/eval/inprocess-runner";
import { resolveProtocol } from "../../src/eval/protocol";
import { createServer, type OpenAiServer } from "../../src/eval/server";
import { boxedScorer, digitBenchmark, FakeEngine } from "./helpers/fake-engine";

/** A loopback front that misbehaves `failures` times (status, hang, or socket reset), then proxies. */
async function flakyFront(target: string, mode: "503" | "429" | "reset" | "hang" | "400", failures: number) {
  let left = failures;
  const hits = { total: 0 };
  const server = http.createServer(async (req, res) => {
    hits.total++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (left > 0) {
      left--;
      if (mode === "reset") return void req.socket.destroy();
      if (mode === "hang") return; // never answers
      const status = Number(mode);
      res
        .writeHead(status, mode === "429" ? { "retry-after": "0" } : {})
        .end(`{"error":{"message":"${mode}"}}`);
      return;
    }
    const r = await fetch(target + req.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Buffer.concat(chunks),
    });
    res.writeHead(r.status, { "content-type": "application/json" }).end(await r.text());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const greedy = resolveProtocol("avg", { n: 2, temperature: 0, maxNewTokens: 64 });

describe("HTTP runner against open-rs serve on loopback", () => {
  const engine = new FakeEngine("fake-model");
  let srv: OpenAiServer;
  let url: string;
  before(async () => {
    srv = createServer(engine, { batchWindowMs: 1 });
    url = await srv.listen(0);
  });
  after(() => srv.close());

  it("gives the same per-sample results as the in-process runner at T = 0 (both APIs)", async () => {
    const bench = digitBenchmark("toy", 6);
    const common = { benchmarks: [bench], protocol: greedy, modelLabel: "fake-model", scorer: boxedScorer };
    const local = await evaluate({ ...common, runner: new InProcessRunner(engine, { batchSize: 4 }) });
    for (const api of ["completions", "chat"] as const) {
      const runner = new HttpRunner({
        baseUrls: [url],
        model: "fake-model",
        api,
        tokenizer: engine.tokenizer,
        concurrency: 3,
      });
      const remote = await evaluate({ ...common, runner });
      const view = (r: typeof local) =>
        r.benchmarks[0].records.map((x) => [x.problemId, x.sampleIndex, x.completion, x.correct, x.seed]);
      assert.deepEqual(view(remote), view(local), api);
    }
  });

  it("sends the sampling settings and the per-sample seed", async () => {
    const seen: Record<string, unknown>[] = [];
    const fakeFetch: typeof fetch = async (_u, init) => {
      seen.push(JSON.parse(String(init?.body)));
      return new Response(
        JSON.stringify({
          choices: [{ message: { content: "x" }, finish_reason: "length" }],
          usage: { completion_tokens: 3 },
        }),
      );
    };
    const runner = new HttpRunner({ baseUrls: ["http://h:1/v1/"], model: "m", fetch: fakeFetch });
    const p = resolveProtocol("paper", { maxNewTokens: 99 });
    const run = await evaluate({
      benchmarks: [digitBenchmark("toy", 2)],
      protocol: p,
      runner,
      modelLabel: "m",
      scorer: boxedScorer,
    });
    assert.deepEqual(
      seen.map((b) => [b.model, b.max_tokens, b.temperature, b.top_p, b.n]),
      [
        ["m", 99, 0.6, 0.95, 1],
        ["m", 99, 0.6, 0.95, 1],
      ],
    );
    assert.deepEqual(
      seen.map((b) => b.seed),
      run.benchmarks[0].records.map((r) => r.seed),
    );
    assert.equal(run.benchmarks[0].records[0].finishReason, "length");
    assert.equal(v1Root("http://a:1"), "http://a:1/v1");
  });

  for (const mode of ["503", "429", "reset", "hang"] as const) {
    it(`retries with backoff after ${mode}`, async () => {
      const front = await flakyFront(url, mode, 2);
      try {
        const runner = new HttpRunner({
          baseUrls: [front.url],
          model: "fake-model",
          backoffMs: 5,
          timeoutMs: 300,
          concurrency: 1,
        });
        const run = await evaluate({
          benchmarks: [digitBenchmark("toy", 2)],
          protocol: greedy,
          runner,
          modelLabel: "fake-model",
          scorer: boxedScorer,
        });
        assert.equal(run.benchmarks[0].records.length, 4);
        assert.equal(runner.attempts, 6, "4 samples + 2 failed attempts");
      } finally {
        await front.close();
      }
    });
  }

  it("does not retry a 400 and says why; gives up after maxRetries", async () => {
    const bad = await flakyFront(url, "400", 99);
    const dead = await flakyFront(url, "503", 99);
    try {
      const r400 = new HttpRunner({ baseUrls: [bad.url], model: "fake-model", backoffMs: 1 });
      await assert.rejects(
        evaluate({
          benchmarks: [digitBenchmark("toy", 1)],
          protocol: greedy,
          runner: r400,
          modelLabel: "x",
          scorer: boxedScorer,
        }),
        /HTTP 400/,
      );
      assert.equal(r400.attempts <= 2, true, "a 400 is not retried");
      const r503 = new HttpRunner({
        baseUrls: [dead.url],
        model: "fake-model",
        backoffMs: 1,
        maxRetries: 3,
        concurrency: 1,
      });
      await assert.rejects(
        evaluate({
          benchmarks: [digitBenchmark("toy", 1)],
          protocol: greedy,
          runner: r503,
          modelLabel: "x",
          scorer: boxedScorer,
        }),
        /failed after 4 attempts/,
      );
    } finally {
      await bad.close();
      await dead.close();
    }
  });

  it("spreads requests round-robin over several base URLs (data-parallel)", async () => {
    const other = createServer(new FakeEngine("fake-model"), { batchWindowMs: 1 });
    const url2 = await other.listen(0);
    try {
      const before = srv.stats.requests;
      const runner = new HttpRunner({ baseUrls: [url, url2], model: "fake-model", concurrency: 2 });
      await evaluate({
        benchmarks: [digitBenchmark("toy", 5)],
        protocol: greedy,
        runner,
        modelLabel: "fake-model",
        scorer: boxedScorer,
      });
      assert.equal(srv.stats.requests - before, 5);
      assert.equal(other.stats.requests, 5);
    } finally {
      await other.close();
    }
  });
});

import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { type PoolSampling, parseCompletion, ServerPool } from "../../src/engines/server-pool-client";

// The `servers` engine's HTTP client against loopback fake servers: what it sends, round-robin by prompt group,
// retries on a failing server, token-id parsing, and the refusals (wrong key, reload refused) as clear errors.

const EOS = 9;
const sampling: PoolSampling = {
  maxNewTokens: 4,
  temperature: 1,
  topP: 1,
  eosTokenIds: [EOS],
  vocabSize: 100,
};

interface Fake {
  url: string;
  /** Bodies of the completions requests this server answered, and every request's authorization header. */
  completions: Array<Record<string, unknown>>;
  auth: Array<string | undefined>;
  reloads: string[];
  /** Answer the next `n` completion requests with this status (or "drop": close the socket). */
  failNext: { n: number; how: number | "drop" };
  close(): Promise<void>;
}

/** A fake OpenAI-compatible server: completion = [seed % 50, prompt length, EOS] as token_id strings. */
async function fakeServer(opts: { key?: string; reload?: "ok" | "refuse" } = {}): Promise<Fake> {
  const fake: Fake = {
    url: "",
    completions: [],
    auth: [],
    reloads: [],
    failNext: { n: 0, how: 503 },
    close: async () => {},
  };
  const srv = http.createServer((req, res) => {
    let text = "";
    req.on("data", (d: Buffer) => {
      text += d.toString();
    });
    req.on("end", () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      fake.auth.push(req.headers.authorization);
      if (opts.key && req.headers.authorization !== `Bearer ${opts.key}`) {
        return send(401, {
          error: { message: "bad key", type: "invalid_request_error", code: "invalid_api_key" },
        });
      }
      if (req.url === "/v1/models") return send(200, { object: "list", data: [{ id: "fake" }] });
      const body = JSON.parse(text || "{}") as Record<string, unknown>;
      if (req.url === "/update_weights_from_disk") {
        fake.reloads.push(body.model_path as string);
        return opts.reload === "refuse"
          ? send(403, { success: false, message: "weight reloading is off on this server" })
          : send(200, { success: true, message: "ok", num_paused_requests: 0 });
      }
      if (fake.failNext.n > 0) {
        fake.failNext.n--;
        if (fake.failNext.how === "drop") return void req.socket.destroy();
        return send(fake.failNext.how, { error: { message: "busy" } });
      }
      fake.completions.push(body);
      const prompt = body.prompt as number[];
      const ids = [(body.seed as number) % 50, prompt.length, EOS];
      send(200, {
        choices: [
          {
            index: 0,
            text: "x",
            logprobs: { tokens: ids.map((t) => `token_id:${t}`), token_logprobs: [-1, -2, -3] },
            finish_reason: "stop",
          },
        ],
      });
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  fake.url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  fake.close = () => new Promise((r) => srv.close(() => r()));
  return fake;
}

const quick = { backoffMs: 1, maxBackoffMs: 5 };

describe("ServerPool (the servers engine's client)", () => {
  let a: Fake;
  let b: Fake;
  before(async () => {
    a = await fakeServer();
    b = await fakeServer();
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  it("sends token ids with vLLM's conventions and reads token ids back, in request order", async () => {
    a.completions.length = 0;
    const pool = new ServerPool({ servers: [`${a.url}/v1`], ...quick });
    const reqs = [
      { promptIds: [1, 2, 3], seed: 11, group: 0 },
      { promptIds: [4, 5], seed: 12, group: 0 },
    ];
    const out = await pool.complete(reqs, sampling);
    assert.deepEqual(
      out.map((o) => o.completionIds),
      [
        [11, 3, EOS],
        [12, 2, EOS],
      ],
    );
    assert.deepEqual(out[0].logprobs, [-1, -2, -3]);
    assert.deepEqual(
      out.map((o) => o.truncated),
      [false, false],
    );
    const body = a.completions.find((c) => c.seed === 11)!;
    assert.deepEqual(body.prompt, [1, 2, 3]);
    assert.equal(body.model, "fake");
    assert.equal(body.n, 1);
    assert.equal(body.logprobs, 0);
    assert.equal(body.return_tokens_as_token_ids, true);
    assert.equal(body.max_tokens, 4);
    assert.equal(body.temperature, 1);
  });

  it("round-robins prompt groups over the servers (a group stays on one server)", async () => {
    a.completions.length = 0;
    b.completions.length = 0;
    const pool = new ServerPool({ servers: [a.url, b.url], ...quick });
    const reqs = Array.from({ length: 8 }, (_, i) => ({
      promptIds: [1],
      seed: 100 + i,
      group: Math.floor(i / 2),
    }));
    await pool.complete(reqs, sampling);
    const seeds = (f: Fake) => f.completions.map((c) => c.seed as number).sort((x, y) => x - y);
    assert.deepEqual(seeds(a), [100, 101, 104, 105]); // groups 0 and 2
    assert.deepEqual(seeds(b), [102, 103, 106, 107]); // groups 1 and 3
  });

  it("retries a sequence on the next server when one answers 5xx or drops the connection", async () => {
    for (const how of [503, "drop"] as const) {
      a.completions.length = 0;
      b.completions.length = 0;
      a.failNext = { n: 2, how };
      const pool = new ServerPool({ servers: [a.url, b.url], concurrency: 1, ...quick });
      const reqs = Array.from({ length: 4 }, (_, i) => ({ promptIds: [1, 2], seed: i, group: i }));
      const out = await pool.complete(reqs, sampling);
      assert.deepEqual(
        out.map((o) => o.completionIds[0]),
        [0, 1, 2, 3],
        `${how}: every sequence answered`,
      );
      assert.equal(pool.attempts, 4 + 2 + 2, `${how}: 2 models calls, 4 sequences, 2 retries`);
      assert.equal(a.completions.length + b.completions.length, 4);
    }
  });

  it("gives up after maxRetries with the last error", async () => {
    a.failNext = { n: 100, how: 500 };
    const pool = new ServerPool({ servers: [a.url], maxRetries: 2, ...quick });
    await assert.rejects(pool.complete([{ promptIds: [1], seed: 1, group: 0 }], sampling), (e: Error) => {
      assert.match(
        e.message,
        /failed after 3 attempts; last: http:\/\/127\.0\.0\.1:\d+\/v1\/completions: HTTP 500/,
      );
      return true;
    });
    a.failNext = { n: 0, how: 503 };
  });

  it("a wrong or missing API key is one clear error naming the server; the key is sent as a bearer token", async () => {
    const k = await fakeServer({ key: "s3cret" });
    try {
      await assert.rejects(
        new ServerPool({ servers: [k.url], apiKey: "nope", ...quick }).connect(),
        (e: Error) => {
          assert.match(
            e.message,
            /rollout server http:\/\/127\.0\.0\.1:\d+ refused GET \/v1\/models \(HTTP 401: bad key\)/,
          );
          assert.match(e.message, /rollout_api_key does not match/);
          return true;
        },
      );
      await assert.rejects(
        new ServerPool({ servers: [k.url], ...quick }).connect(),
        /needs an API key: set rollout_api_key/,
      );
      const pool = new ServerPool({ servers: [k.url], apiKey: "s3cret", ...quick });
      await pool.complete([{ promptIds: [1], seed: 3, group: 0 }], sampling);
      assert.equal(k.auth.at(-1), "Bearer s3cret");
    } finally {
      await k.close();
    }
  });

  it("reload: POST /update_weights_from_disk on every server; a refusal names the server and its answer", async () => {
    const pool = new ServerPool({ servers: [a.url, b.url], ...quick });
    await pool.reload("/tmp/some/dir");
    assert.deepEqual([a.reloads.at(-1), b.reloads.at(-1)], ["/tmp/some/dir", "/tmp/some/dir"]);
    const r = await fakeServer({ reload: "refuse" });
    try {
      await assert.rejects(new ServerPool({ servers: [a.url, r.url], ...quick }).reload("/x"), (e: Error) => {
        assert.equal(
          e.message,
          `rollout server ${r.url} refused POST /update_weights_from_disk (HTTP 403: weight reloading is off on this server)`,
        );
        return true;
      });
    } finally {
      await r.close();
    }
  });
});

describe("parseCompletion (token ids from a /v1/completions answer)", () => {
  const answer = (tokens: unknown[], finish: string, lps?: unknown[]) => ({
    choices: [{ logprobs: { tokens, token_logprobs: lps ?? tokens.map(() => -0.5) }, finish_reason: finish }],
  });

  it("reads token_id:<id> entries and their log-probs; finish_reason length is truncated", () => {
    const r = parseCompletion(
      answer(["token_id:5", "token_id:0", "token_id:77", "token_id:3"], "length"),
      sampling,
    );
    assert.deepEqual(r, {
      completionIds: [5, 0, 77, 3],
      logprobs: [-0.5, -0.5, -0.5, -0.5],
      truncated: true,
    });
  });

  it("a stop that ends in EOS is kept as is; one without EOS (a server that leaves it out) gets EOS appended", () => {
    assert.deepEqual(
      parseCompletion(answer(["token_id:5", `token_id:${EOS}`], "stop"), sampling).completionIds,
      [5, EOS],
    );
    const r = parseCompletion(answer(["token_id:5"], "stop", [null]), sampling);
    assert.deepEqual(r.completionIds, [5, EOS]);
    assert.ok(r.logprobs.every((x) => Number.isNaN(x)));
  });

  it("text tokens, ids outside the vocabulary, missing logprobs and odd finish reasons are errors", () => {
    assert.throws(
      () => parseCompletion(answer(["Hello"], "stop"), sampling),
      /ignored return_tokens_as_token_ids/,
    );
    assert.throws(
      () => parseCompletion(answer(["token_id:100"], "stop"), sampling),
      /outside the vocabulary \(100\)/,
    );
    assert.throws(
      () => parseCompletion({ choices: [{ finish_reason: "stop" }] }, sampling),
      /no logprobs\.tokens/,
    );
    assert.throws(
      () => parseCompletion(answer(["token_id:1"], "abort"), sampling),
      /finish_reason is "abort"/,
    );
    assert.throws(() => parseCompletion({ choices: [] }, sampling), /no choices\[0\]/);
    assert.throws(
      () => parseCompletion(answer(Array(5).fill("token_id:1"), "length"), sampling),
      /5 tokens, more than max_tokens 4/,
    );
  });
});

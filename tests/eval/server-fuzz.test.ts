import assert from "node:assert/strict";
import * as net from "node:net";
import { after, before, describe, it } from "node:test";
import type { EngineOutput, GenerateCallOptions, SamplingParams } from "../../src/eval/engine";
import { createServer, type OpenAiServer } from "../../src/eval/server";
import { Rng } from "../../src/util/rng";
import { FakeEngine } from "./helpers/fake-engine";

// A hostile client against a loopback server: hundreds of generated bad requests (bodies, types, sizes,
// methods, aborted uploads and streams). None may get a 5xx, and after each burst a valid request succeeds.

const LIMITS = {
  maxBodyBytes: 64 * 1024,
  bodyTimeoutMs: 400,
  maxSequences: 32,
  maxPromptChars: 4000,
  maxModelLen: 512,
  batchWindowMs: 2,
};

let srv: OpenAiServer;
let url: string;
let port: number;

/** `lax`: a random value that may happen to be valid, so any status but 5xx will do. */
type Req = { method: string; path: string; body?: string; lax?: boolean };

const good = { model: "fake-model", prompt: "1+1=", temperature: 0, max_tokens: 8 };

/** Generated bad bodies for the two generation routes. */
function badBodies(rng: Rng): Array<{ path: string; body: string; lax?: boolean }> {
  const wrong = [1, -1, 1.5, 1e300, "2", "", true, null, [], {}, [1, "a"], { $: 1 }];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
  const fields: Record<string, unknown[]> = {
    model: [1, true, [], {}, "", "gpt-4", "__proto__", "constructor"],
    prompt: [
      "",
      [],
      [""],
      [[]],
      [-1],
      [1.5],
      [1e9],
      [["a"]],
      {},
      5,
      [null],
      "x".repeat(5000),
      Array(40).fill("p"),
    ],
    n: [0, -1, 1.5, "2", 1e9, 65, true, 33],
    temperature: [-0.1, 2.5, "hot", [], {}, 1e300],
    top_p: [0, -1, 1.5, "x"],
    max_tokens: [0, -5, 1.5, "8", 1e20, 600, 10_000],
    seed: [1.5, "1", 1e300, {}, []],
    stop: ["", [""], [1], ["a", "b", "c", "d", "e"], {}, 7],
    stream: ["yes", 1, {}, []],
    stream_options: [{ include_usage: "x" }, [], "on", 1],
    logprobs: [-1, 21, 1.5, "3", {}],
  };
  const chatFields: Record<string, unknown[]> = {
    messages: [
      [],
      "hi",
      [{}],
      [null],
      [{ role: "user" }],
      [{ role: "user", content: 5 }],
      [{ role: "tool", content: "x" }],
      [{ role: "__proto__", content: "x" }],
      [{ role: "constructor", content: "x" }],
      [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }],
      [{ role: "user", content: [{ type: "text" }] }],
      [{ role: "user", content: [null] }],
      [{ role: "user", content: "x".repeat(5000) }],
    ],
    logprobs: ["yes", 1, {}],
    top_logprobs: [-1, 21, 1.5, "2"],
  };
  const out: Array<{ path: string; body: string; lax?: boolean }> = [];
  for (const [k, vs] of Object.entries(fields)) {
    for (const v of vs) {
      const extra = k === "stream_options" ? { stream: false } : {};
      out.push({ path: "/v1/completions", body: JSON.stringify({ ...good, ...extra, [k]: v }) });
    }
  }
  for (const [k, vs] of Object.entries(chatFields)) {
    for (const v of vs) {
      const base = { model: "fake-model", messages: [{ role: "user", content: "hi" }], max_tokens: 8 };
      out.push({ path: "/v1/chat/completions", body: JSON.stringify({ ...base, [k]: v }) });
    }
  }
  // wrong types for random fields, and random junk bodies
  for (let i = 0; i < 100; i++) {
    const k = pick(Object.keys(fields));
    out.push({
      path: pick(["/v1/completions", "/v1/chat/completions"]),
      body: JSON.stringify({ ...good, [k]: pick(wrong) }),
      lax: true,
    });
  }
  const junk = [
    "",
    "{",
    "null",
    "[]",
    "123",
    '"s"',
    "{not json",
    '{"model":',
    "\u0000\u00ff",
    "[".repeat(20000),
  ];
  for (const j of junk)
    for (const path of ["/v1/completions", "/v1/chat/completions"]) out.push({ path, body: j });
  for (let i = 0; i < 40; i++) {
    const bytes = Buffer.from(
      Array.from({ length: 1 + Math.floor(rng.next() * 200) }, () => Math.floor(rng.next() * 256)),
    );
    out.push({ path: "/v1/completions", body: bytes.toString("latin1") });
  }
  out.push({ path: "/v1/completions", body: `{"__proto__": {"model": "fake-model"}, "prompt": "x"}` });
  out.push({ path: "/v1/completions", body: JSON.stringify({ ...good, prompt: "x".repeat(70 * 1024) }) }); // > body limit
  out.push({ path: "/v1/completions", body: JSON.stringify({ ...good, prompt: [258, 1] }) }); // id outside the vocabulary
  return out;
}

/** Methods and paths that are not routes. */
function badRoutes(): Req[] {
  const out: Req[] = [];
  const paths = [
    "/",
    "/v1",
    "/v2/nothing",
    "/v1/models/nope",
    "/v1/models/%E0%A4%A",
    "/v1/completion",
    "/v1/chat",
    "/health/x",
    "/v1/models/..%2f..%2fetc",
  ];
  for (const method of ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    for (const path of paths) out.push({ method, path, body: method === "GET" ? undefined : "{}" });
    for (const path of ["/v1/completions", "/v1/chat/completions"])
      if (method !== "POST") out.push({ method, path });
    if (method !== "GET") for (const path of ["/v1/models", "/health"]) out.push({ method, path });
  }
  return out;
}

async function send(r: Req): Promise<number> {
  const res = await fetch(url + r.path, {
    method: r.method,
    body: r.body,
    headers: { "content-type": "application/json" },
  });
  await res.arrayBuffer();
  return res.status;
}

/** Writes raw bytes on a fresh connection; resolves to the status line's code, or 0 when none came. */
function raw(bytes: string, opts: { endAfterMs?: number; destroyAfterMs?: number } = {}): Promise<number> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    let data = "";
    s.on("data", (d) => {
      data += d.toString("latin1");
    });
    const done = () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve(m ? Number(m[1]) : 0);
    };
    s.on("close", done);
    s.on("error", () => {});
    s.write(bytes);
    if (opts.destroyAfterMs !== undefined) setTimeout(() => s.destroy(), opts.destroyAfterMs);
    setTimeout(() => s.destroy(), opts.endAfterMs ?? 3000);
  });
}

/** Connection-level abuse: stalled and endless uploads, garbage, uploads cut halfway, streams dropped. */
function abuse(): Array<() => Promise<number>> {
  const head = (extra: string) =>
    `POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}\r\n`;
  return [
    () => raw(`${head("Transfer-Encoding: chunked\r\n")}ffffffffffffffff\r\n{"a":`), // huge chunk size, stalls
    () => raw(`${head("Transfer-Encoding: chunked\r\n")}ffff\r\n{"model":`), // stalls mid-chunk
    () => raw(`${head("Content-Length: 100\r\n")}{"model": "fake-model"`), // shorter than declared
    () => raw(`${head("Content-Length: 99999999999\r\n")}{}`), // declared over the limit
    () => raw(`${head("Content-Length: 50\r\n")}{"mod`, { destroyAfterMs: 20 }), // client gone mid-upload
    () => raw("GARBAGE\r\n\r\n"),
    () => raw("GET / HTTP/9.9\r\n\r\n"),
    () => raw(`GET /${"a".repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
    () => raw(`${head("Content-Length: abc\r\n")}{}`),
    () =>
      raw(
        `${head(`Content-Length: ${JSON.stringify({ ...good, stream: true, max_tokens: 60, n: 4 }).length}\r\n`)}${JSON.stringify({ ...good, stream: true, max_tokens: 60, n: 4 })}`,
        { destroyAfterMs: 15 },
      ), // a stream dropped after its first chunks
  ];
}

async function assertUp(): Promise<void> {
  const r = await fetch(`${url}/v1/completions`, { method: "POST", body: JSON.stringify(good) });
  assert.equal(r.status, 200, await r.text());
}

describe("open-rs serve under a hostile client", () => {
  before(async () => {
    srv = createServer(new FakeEngine("fake-model", 0, 1), LIMITS);
    url = await srv.listen(0, "127.0.0.1");
    port = Number(new URL(url).port);
  });
  after(() => srv.close());

  it("≥ 300 generated bad requests: every one answered 4xx (none 5xx); a valid request succeeds after each burst", async (t) => {
    const rng = new Rng(2025);
    const reqs: Req[] = [...badBodies(rng).map((b) => ({ method: "POST", ...b })), ...badRoutes()];
    const statuses = new Map<number, number>();
    const fiveXX: string[] = [];
    for (let i = 0; i < reqs.length; i += 25) {
      const burst = reqs.slice(i, i + 25);
      const got = await Promise.all(burst.map(send));
      got.forEach((s, j) => {
        statuses.set(s, (statuses.get(s) ?? 0) + 1);
        if (s >= 500 || (s < 400 && !burst[j].lax))
          fiveXX.push(`${s} ${burst[j].method} ${burst[j].path} ${burst[j].body?.slice(0, 80)}`);
      });
      await assertUp();
    }
    const rawGot = await Promise.all(abuse().map((f) => f()));
    for (const s of rawGot) if (s >= 500) fiveXX.push(`raw ${s}`);
    await assertUp();
    const total = reqs.length + rawGot.length;
    t.diagnostic(
      `${total} requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}, raw ${rawGot}`,
    );
    assert.ok(total >= 300, `only ${total} requests generated`);
    assert.deepEqual(fiveXX, [], "answers that are 5xx (or 2xx for a request that is certainly bad)");
    assert.ok(rawGot.filter((s) => s === 408).length >= 2, `stalled uploads get 408: ${rawGot}`);
    assert.ok(rawGot.includes(413), `a declared over-size body gets 413: ${rawGot}`);
  });

  it("an empty prompt is a 400, and the 20 good requests batched with it all succeed", async () => {
    const bad = fetch(`${url}/v1/completions`, {
      method: "POST",
      body: JSON.stringify({ ...good, prompt: "" }),
    });
    const goods = Array.from({ length: 20 }, (_, i) =>
      fetch(`${url}/v1/completions`, {
        method: "POST",
        body: JSON.stringify({ ...good, prompt: `${i}+1=` }),
      }),
    );
    const [b, ...g] = await Promise.all([bad, ...goods]);
    assert.equal(b.status, 400);
    assert.match(((await b.json()) as { error: { message: string } }).error.message, /prompt\[0\] is empty/);
    assert.deepEqual(
      g.map((r) => r.status),
      Array(20).fill(200),
    );
  });

  it("a sequence that breaks the engine fails alone: its batch-mates are retried and succeed", async () => {
    const poison = [9, 9, 9];
    class Fragile extends FakeEngine {
      override async generate(
        p: number[][],
        s: SamplingParams,
        seeds: readonly number[],
        o?: GenerateCallOptions,
      ): Promise<EngineOutput[]> {
        if (p.some((ids) => ids.join() === poison.join())) throw new Error("kernel failure on this row");
        return super.generate(p, s, seeds, o);
      }
    }
    const lines: string[] = [];
    const fragile = createServer(new Fragile(), { batchWindowMs: 20, log: (l) => lines.push(l) });
    const u = await fragile.listen(0, "127.0.0.1");
    try {
      const post = (prompt: unknown) =>
        fetch(`${u}/v1/completions`, { method: "POST", body: JSON.stringify({ ...good, prompt }) });
      const [p, ...rest] = await Promise.all([
        post(poison),
        ...Array.from({ length: 20 }, (_, i) => post(`${i}`)),
      ]);
      assert.equal(p.status, 500);
      assert.deepEqual(
        rest.map((r) => r.status),
        Array(20).fill(200),
      );
      assert.ok(fragile.stats.batches < 21 + 21, "batched first, then retried one by one");
      assert.match(lines.join("\n"), /kernel failure on this row/);
    } finally {
      await fragile.close();
    }
  });

  it("caps answer 400 naming the limit and its flag, before the work they bound", async () => {
    const cases: Array<[object, RegExp]> = [
      [
        { prompt: Array(33).fill("1") },
        /33 sequences; the limit per request is 32 \(server flag --max-sequences\)/,
      ],
      [{ prompt: ["1", "2"], n: 17 }, /34 sequences.*--max-sequences/],
      [
        { prompt: "x".repeat(4001) },
        /4001 characters; the limit per request is 4000 \(server flag --max-prompt-chars\)/,
      ],
      [
        { prompt: "x".repeat(600) },
        /600 tokens; the model's context is 512 tokens \(server flag --max-model-len\)/,
      ],
      [
        { prompt: "x".repeat(500), max_tokens: 13 },
        /exceeds the model's context of 512 tokens .*lower max_tokens to ≤ 12/,
      ],
    ];
    const before = srv.stats.sequences;
    for (const [over, re] of cases) {
      const r = await fetch(`${url}/v1/completions`, {
        method: "POST",
        body: JSON.stringify({ ...good, ...over }),
      });
      const j = (await r.json()) as { error: { message: string } };
      assert.equal(r.status, 400, j.error.message);
      assert.match(j.error.message, re);
    }
    assert.equal(srv.stats.sequences, before, "nothing was generated for a refused request");
    // the default max_tokens shrinks to the room left instead of failing
    const fits = await fetch(`${url}/v1/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "fake-model", prompt: "x".repeat(508), temperature: 0 }),
    });
    assert.equal(fits.status, 200);
    assert.equal(
      ((await fits.json()) as { choices: { finish_reason: string }[] }).choices[0].finish_reason,
      "length",
    );
  });
});

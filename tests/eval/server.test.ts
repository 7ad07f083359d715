import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createServer, type OpenAiServer } from "../../src/eval/server";
import { FakeEngine } from "./helpers/fake-engine";

let srv: OpenAiServer;
let url: string;
const engine = new FakeEngine("fake-model");

async function post(path: string, body: unknown, raw = false) {
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

/** After every bad request the server must still answer a good one. */
async function assertStillUp() {
  const r = await post("/v1/completions", { model: "fake-model", prompt: "hi", max_tokens: 5 });
  assert.equal(r.status, 200, r.text);
}

async function assertBad(path: string, body: unknown, reason: RegExp, raw = false, status = 400) {
  const r = await post(path, body, raw);
  assert.equal(r.status, status, r.text);
  const err = r.json().error;
  assert.equal(err.type, "invalid_request_error");
  assert.match(err.message, reason);
  await assertStillUp();
}

describe("open-rs serve (OpenAI-compatible server on loopback)", () => {
  before(async () => {
    srv = createServer(engine, { aliases: ["alias"], batchWindowMs: 1 });
    url = await srv.listen(0, "127.0.0.1");
  });
  after(() => srv.close());

  it("lists the model on /v1/models", async () => {
    const j = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
    assert.deepEqual(
      j.data.map((m) => m.id),
      ["fake-model", "alias"],
    );
  });

  it("answers /v1/completions with the engine's text, usage and finish_reason", async () => {
    const r = (
      await post("/v1/completions", { model: "fake-model", prompt: "2+2?", max_tokens: 100 })
    ).json();
    const ids = engine.tokenizer.encode("2+2?");
    const expected = FakeEngine.answerFor(ids, { temperature: 1, topP: 1, maxNewTokens: 100 }, 0);
    // default temperature is 1 (OpenAI) but no seed → a random seed; compare length only for T>0 …
    assert.equal(r.object, "text_completion");
    assert.equal(r.choices.length, 1);
    assert.equal(r.choices[0].finish_reason, "stop");
    assert.equal(r.usage.prompt_tokens, ids.length);
    assert.equal(r.choices[0].text.length, expected.length);
  });

  it("is greedy and exact at temperature 0, cuts at max_tokens (length) and at stop strings", async () => {
    const ids = engine.tokenizer.encode("q");
    const full = FakeEngine.answerFor(ids, { temperature: 0, topP: 1, maxNewTokens: 99 }, 0);
    const r = (
      await post("/v1/completions", { model: "alias", prompt: "q", temperature: 0, max_tokens: 99 })
    ).json();
    assert.equal(r.choices[0].text, full);
    const short = (
      await post("/v1/completions", { model: "alias", prompt: "q", temperature: 0, max_tokens: 4 })
    ).json();
    assert.equal(short.choices[0].text, full.slice(0, 4));
    assert.equal(short.choices[0].finish_reason, "length");
    const stopped = (
      await post("/v1/completions", {
        model: "alias",
        prompt: "q",
        temperature: 0,
        max_tokens: 99,
        stop: ["answer"],
      })
    ).json();
    assert.equal(stopped.choices[0].text, full.slice(0, full.indexOf("answer")));
    assert.equal(stopped.choices[0].finish_reason, "stop");
  });

  it("returns n choices per prompt, one per prompt of a list, reproducible with a seed", async () => {
    const body = { model: "fake-model", prompt: ["a", "b"], n: 3, temperature: 0.7, seed: 5, max_tokens: 50 };
    const r1 = (await post("/v1/completions", body)).json();
    const r2 = (await post("/v1/completions", body)).json();
    assert.equal(r1.choices.length, 6);
    assert.deepEqual(
      r1.choices.map((c: { index: number }) => c.index),
      [0, 1, 2, 3, 4, 5],
    );
    assert.deepEqual(r1.choices, r2.choices);
  });

  it("applies the chat template on /v1/chat/completions", async () => {
    const messages = [{ role: "user", content: "What is 1+1?" }];
    const r = (
      await post("/v1/chat/completions", { model: "fake-model", messages, temperature: 0, max_tokens: 80 })
    ).json();
    const ids = engine.tokenizer.encode(
      engine.tokenizer.applyChatTemplate(messages as never, { addGenerationPrompt: true }),
    );
    assert.equal(r.object, "chat.completion");
    assert.equal(r.choices[0].message.role, "assistant");
    assert.equal(
      r.choices[0].message.content,
      FakeEngine.answerFor(ids, { temperature: 0, topP: 1, maxNewTokens: 80 }, 0),
    );
  });

  it("streams SSE chunks ending in data: [DONE] whose deltas join to the full text", async () => {
    for (const [path, body] of [
      ["/v1/completions", { prompt: "q" }],
      ["/v1/chat/completions", { messages: [{ role: "user", content: "q" }] }],
    ] as const) {
      const full = (
        await post(path, { model: "fake-model", temperature: 0, max_tokens: 60, ...body })
      ).json();
      const r = await post(path, {
        model: "fake-model",
        temperature: 0,
        max_tokens: 60,
        stream: true,
        ...body,
      });
      assert.equal(r.status, 200);
      const events = r.text.split("\n\n").filter((e) => e.length > 0);
      assert.ok(
        events.every((e) => e.startsWith("data: ")),
        r.text,
      );
      assert.equal(events[events.length - 1], "data: [DONE]");
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
      assert.ok(chunks.length > 2, "one chunk per token, not one blob");
      const text = chunks.map((c) => c.choices[0].text ?? c.choices[0].delta?.content ?? "").join("");
      const want = full.choices[0].text ?? full.choices[0].message.content;
      assert.equal(text, want);
      assert.equal(chunks[chunks.length - 1].choices[0].finish_reason, "stop");
    }
  });

  it("batches concurrent greedy requests onto one generate call", async () => {
    const before = srv.stats.batches;
    const seqBefore = srv.stats.sequences;
    await Promise.all(
      ["x", "y", "z", "w"].map((p) =>
        post("/v1/completions", {
          model: "fake-model",
          prompt: p,
          temperature: 0,
          seed: p.charCodeAt(0),
          max_tokens: 8,
        }),
      ),
    );
    assert.equal(srv.stats.sequences - seqBefore, 4);
    assert.ok(srv.stats.batches - before < 4, `expected batching, got ${srv.stats.batches - before} batches`);
  });

  describe("bad requests get 400 with a reason, and the server stays up", () => {
    it("unknown model", () =>
      assertBad(
        "/v1/completions",
        { model: "gpt-5", prompt: "x" },
        /model 'gpt-5' does not exist/,
        false,
        404,
      ));
    it("negative max_tokens", () =>
      assertBad(
        "/v1/completions",
        { model: "fake-model", prompt: "x", max_tokens: -3 },
        /'max_tokens' must be ≥ 1/,
      ));
    it("non-JSON body", () => assertBad("/v1/completions", "{not json", /not valid JSON/, true));
    it("a 10 MB prompt (body limit)", () =>
      assertBad(
        "/v1/completions",
        { model: "fake-model", prompt: "x".repeat(10 * 1024 * 1024) },
        /exceeds the limit of 10485760 bytes \(server flag --max-body-mb\)/,
        false,
        413,
      ));
    it("missing model", () =>
      assertBad("/v1/completions", { prompt: "x" }, /missing required field 'model'/));
    it("missing prompt", () => assertBad("/v1/completions", { model: "fake-model" }, /'prompt'/));
    it("missing messages", () => assertBad("/v1/chat/completions", { model: "fake-model" }, /'messages'/));
    it("bad message role", () =>
      assertBad(
        "/v1/chat/completions",
        { model: "fake-model", messages: [{ role: "bot", content: "x" }] },
        /role/,
      ));
    it("temperature out of range, top_p 0, n too big, bad stop", async () => {
      await assertBad("/v1/completions", { model: "fake-model", prompt: "x", temperature: 5 }, /temperature/);
      await assertBad("/v1/completions", { model: "fake-model", prompt: "x", top_p: 0 }, /top_p/);
      await assertBad(
        "/v1/completions",
        { model: "fake-model", prompt: "x", n: 1000 },
        /'n' must be ≤ 64 \(server flag --max-n\)/,
      );
      await assertBad("/v1/completions", { model: "fake-model", prompt: "x", stop: [1] }, /stop/);
    });
    it("a JSON array body", () => assertBad("/v1/completions", [], /JSON object/));
    it("unknown routes are 404 and GET on a POST route is 405", async () => {
      assert.equal((await fetch(`${url}/v2/nothing`)).status, 404);
      assert.equal((await fetch(`${url}/v1/completions`)).status, 405);
      await assertStillUp();
    });
  });
});

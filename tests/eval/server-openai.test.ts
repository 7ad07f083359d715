import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { createServer, type OpenAiServer } from "../../src/eval/server";
import { FakeEngine } from "./helpers/fake-engine";

// The official `openai` npm client (v6) against `open-rs serve` on loopback: every call a user of the client
// would make against vLLM or OpenAI, checked for the fields the client's types promise.

let srv: OpenAiServer;
let client: OpenAI;
const engine = new FakeEngine("fake-model", 0, 2); // 2 ms per decode step, so streaming is observable
const ALIAS = "models/tiny r1/dir"; // an alias with slashes and a space, as a directory path would be

describe("official openai npm client against open-rs serve", () => {
  before(async () => {
    srv = createServer(engine, { aliases: [ALIAS], batchWindowMs: 1 });
    const url = await srv.listen(0, "127.0.0.1");
    client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0 });
  });
  after(() => srv.close());

  it("models.list and models.retrieve (also an id with slashes); an unknown id is NotFoundError", async () => {
    const list = await client.models.list();
    assert.deepEqual(
      list.data.map((m) => m.id),
      ["fake-model", ALIAS],
    );
    assert.equal((await client.models.retrieve("fake-model")).id, "fake-model");
    assert.equal((await client.models.retrieve(ALIAS)).id, ALIAS);
    await assert.rejects(client.models.retrieve("gpt-9"), OpenAI.NotFoundError);
  });

  it("completions: text, n × prompts choices, usage, seed reproducibility", async () => {
    const r = await client.completions.create({
      model: "fake-model",
      prompt: "2+2?",
      temperature: 0,
      max_tokens: 64,
    });
    const want = FakeEngine.answerFor(
      engine.tokenizer.encode("2+2?"),
      { temperature: 0, topP: 1, maxNewTokens: 64 },
      0,
    );
    assert.equal(r.object, "text_completion");
    assert.equal(r.choices[0].text, want);
    assert.equal(r.choices[0].finish_reason, "stop");
    assert.equal(r.usage?.prompt_tokens, 4);
    assert.equal(r.usage?.completion_tokens, Buffer.byteLength(want) + 1, "the text's tokens and EOS");
    const body = { model: "fake-model", prompt: ["a", "b"], n: 2, temperature: 0.8, seed: 3, max_tokens: 40 };
    const a = await client.completions.create(body);
    const b = await client.completions.create(body);
    assert.equal(a.choices.length, 4);
    assert.deepEqual(
      a.choices.map((c) => c.text),
      b.choices.map((c) => c.text),
    );
  });

  it("usage stops at the stop string", async () => {
    const r = await client.completions.create({
      model: "fake-model",
      prompt: "q",
      temperature: 0,
      max_tokens: 64,
      stop: ["answer"],
    });
    assert.equal(r.choices[0].text, "So the ");
    assert.equal(r.choices[0].finish_reason, "stop");
    assert.equal(
      r.usage?.completion_tokens,
      "So the answer".length,
      "tokens up to the one completing the stop",
    );
  });

  it("completions logprobs: tokens, token_logprobs, top_logprobs, text_offset", async () => {
    const r = await client.completions.create({
      model: "fake-model",
      prompt: "q",
      temperature: 0,
      max_tokens: 5,
      logprobs: 2,
    });
    const lp = r.choices[0].logprobs;
    assert.ok(lp);
    assert.deepEqual(lp.tokens, ["S", "o", " ", "t", "h"]);
    assert.deepEqual(lp.token_logprobs, [-0.5, -0.5, -0.5, -0.5, -0.5]);
    assert.deepEqual(lp.text_offset, [0, 1, 2, 3, 4]);
    assert.deepEqual(lp.top_logprobs?.[0], { S: -0.5, T: -1.5 });
    assert.equal(r.choices[0].finish_reason, "length");
  });

  it("chat: content parts, the developer role, max_completion_tokens", async () => {
    const r = await client.chat.completions.create({
      model: "fake-model",
      messages: [
        { role: "developer", content: "Be brief." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is" },
            { type: "text", text: "1+1?" },
          ],
        },
      ],
      temperature: 0,
      max_completion_tokens: 80,
    });
    const prompt = engine.tokenizer.applyChatTemplate(
      [
        { role: "system", content: "Be brief." },
        { role: "user", content: "What is\n1+1?" },
      ],
      { addGenerationPrompt: true },
    );
    const want = FakeEngine.answerFor(
      engine.tokenizer.encode(prompt),
      { temperature: 0, topP: 1, maxNewTokens: 80 },
      0,
    );
    assert.equal(r.object, "chat.completion");
    assert.equal(r.choices[0].message.role, "assistant");
    assert.equal(r.choices[0].message.content, want);
    assert.equal(r.usage?.prompt_tokens, Buffer.byteLength(prompt));
  });

  it("chat logprobs with top_logprobs", async () => {
    const r = await client.chat.completions.create({
      model: "fake-model",
      messages: [{ role: "user", content: "hi" }],
      temperature: 0,
      max_tokens: 3,
      logprobs: true,
      top_logprobs: 3,
    });
    const content = r.choices[0].logprobs?.content;
    assert.ok(content);
    assert.equal(content.length, 3);
    assert.equal(content[0].token, "S");
    assert.equal(content[0].logprob, -0.5);
    assert.deepEqual(content[0].bytes, [83]);
    assert.deepEqual(
      content[0].top_logprobs.map((t) => t.logprob),
      [-0.5, -1.5, -2.5],
    );
  });

  it("streaming chat with include_usage: role first, deltas join to the text, usage last", async () => {
    const body = {
      model: "fake-model",
      messages: [{ role: "user" as const, content: "q" }],
      temperature: 0,
      max_tokens: 60,
    };
    const full = await client.chat.completions.create(body);
    const stream = await client.chat.completions.create({
      ...body,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    assert.equal(chunks[0].choices[0].delta.role, "assistant");
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    assert.equal(text, full.choices[0].message.content);
    const last = chunks[chunks.length - 1];
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, full.usage);
    assert.equal(chunks[chunks.length - 2].choices[0].finish_reason, "stop");
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
  });

  it("streaming completions with logprobs; chunks arrive while tokens are sampled, not after", async () => {
    const stream = await client.completions.create({
      model: "fake-model",
      prompt: "q",
      temperature: 0,
      max_tokens: 60,
      logprobs: 1,
      stream: true,
    });
    const times: number[] = [];
    let text = "";
    let tokens = 0;
    for await (const c of stream) {
      times.push(performance.now());
      text += c.choices[0].text;
      tokens += c.choices[0].logprobs?.tokens?.length ?? 0;
    }
    assert.equal(
      text,
      FakeEngine.answerFor(engine.tokenizer.encode("q"), { temperature: 0, topP: 1, maxNewTokens: 60 }, 0),
    );
    assert.equal(tokens, Buffer.byteLength(text) + 1, "every token's log-prob once (EOS included)");
    // ~30 tokens at ≥ 2 ms each: if chunks were sent after generation, they would arrive within a few ms
    assert.ok(
      times[times.length - 1] - times[0] > 30,
      `chunks spread over ${times[times.length - 1] - times[0]} ms`,
    );
  });

  it("errors map to the client's classes: 400 BadRequestError naming the field, 404 NotFoundError", async () => {
    await assert.rejects(
      client.completions.create({ model: "fake-model", prompt: "x", temperature: 5 }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && /temperature/.test(e.message),
    );
    await assert.rejects(
      client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] }),
      (e: unknown) =>
        e instanceof OpenAI.NotFoundError && (e as { code?: string }).code === "model_not_found",
    );
  });

  it("aborting a stream cancels its work on the server", async () => {
    const slow = {
      model: "fake-model",
      prompt: "q",
      temperature: 0,
      max_tokens: 60,
      n: 8,
      stream: true as const,
    };
    const stepsBefore = engine.steps;
    const ac = new AbortController();
    const stream = await client.completions.create(slow, { signal: ac.signal });
    let got = 0;
    try {
      for await (const _ of stream) if (++got === 3) ac.abort();
    } catch (e) {
      assert.ok(e instanceof OpenAI.APIUserAbortError, String(e));
    }
    assert.ok(got >= 3);
    await new Promise((r) => setTimeout(r, 50));
    const steps = engine.steps - stepsBefore;
    assert.ok(steps < 15, `${steps} decode steps ran for an answer of ~30 tokens aborted after 3 chunks`);
  });
});

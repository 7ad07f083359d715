import assert from "node:assert/strict";
import { existsSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { TextEngine } from "../../src/eval/engine";
import { loadLocalEngine, loadLocalModel } from "../../src/eval/local-model";
import { createServer, type OpenAiServer, qwen2Reloader } from "../../src/eval/server";
import { Qwen2ForCausalLM } from "../../src/model/qwen2";
import { TINY_TOKENIZER_DIR, writeTinyModelDir } from "./helpers/tiny-model";

// `open-rs serve`'s weight reload (SGLang's POST /update_weights_from_disk) and --api-key, in process on a tiny
// random Qwen2: what may be loaded (only under --allow-reload DIR), that a reload loads exactly the named
// weights, that requests in flight finish on the old ones, and that every endpoint needs the key.

const KEY = "test-key";
const auth = { authorization: `Bearer ${KEY}` };

describe("open-rs serve: /update_weights_from_disk and --api-key", {
  skip: !existsSync(TINY_TOKENIZER_DIR) && "no tiny-r1 tokenizer",
}, () => {
  let allow: string;
  let outside: string;
  let a: string;
  let b: string;
  let engineB: TextEngine;
  let srv: OpenAiServer;
  let url: string;
  let plain: OpenAiServer;
  let plainUrl: string;

  const post = (path: string, body: unknown, headers: Record<string, string> = auth, base = url) =>
    fetch(base + path, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  const reload = (dir: string, base = url) =>
    post("/update_weights_from_disk", { model_path: dir }, auth, base);
  /** Completion ids of `prompts` (seeded) through the server, read from return_tokens_as_token_ids. */
  const complete = async (prompts: number[][], maxTokens = 8, base = url): Promise<number[][]> => {
    const res = await post(
      "/v1/completions",
      {
        model: "tiny",
        prompt: prompts,
        max_tokens: maxTokens,
        temperature: 1,
        seed: 5,
        logprobs: 0,
        return_tokens_as_token_ids: true,
      },
      auth,
      base,
    );
    assert.equal(res.status, 200, await res.clone().text());
    const j = (await res.json()) as { choices: Array<{ logprobs: { tokens: string[] } }> };
    return j.choices.map((c) =>
      c.logprobs.tokens.map((t) => {
        assert.match(t, /^token_id:\d+$/);
        return Number(t.slice("token_id:".length));
      }),
    );
  };
  const PROMPTS = [
    [10, 11, 12],
    [20, 21],
  ];

  before(async () => {
    allow = realpathSync(mkdtempSync(join(tmpdir(), "reload-allow-")));
    outside = realpathSync(mkdtempSync(join(tmpdir(), "reload-outside-")));
    a = join(allow, "a");
    b = join(allow, "b");
    renameSync(await writeTinyModelDir(7), a);
    renameSync(await writeTinyModelDir(8), b);
    renameSync(await writeTinyModelDir(9), join(outside, "c"));
    symlinkSync(join(outside, "c"), join(allow, "link-out")); // inside DIR by name, outside once resolved
    const wide = Qwen2ForCausalLM.random(
      { ...(await Qwen2ForCausalLM.fromPretrained(a)).config, hidden_size: 64 },
      1,
    );
    await wide.save(join(allow, "wide"), { tokenizerDir: TINY_TOKENIZER_DIR });
    wide.dispose();
    const { engine, model } = await loadLocalModel(a, { label: "tiny", skipBackendInit: true });
    srv = createServer(engine, {
      batchWindowMs: 2,
      apiKey: KEY,
      reload: { allowDir: allow, prepare: qwen2Reloader(model) },
    });
    url = await srv.listen(0);
    plain = createServer(await loadLocalEngine(a, { label: "tiny", skipBackendInit: true }), {
      batchWindowMs: 2,
    });
    plainUrl = await plain.listen(0);
    engineB = await loadLocalEngine(b, { label: "tiny", skipBackendInit: true });
  });
  after(async () => {
    await srv.close();
    await plain.close();
    rmSync(allow, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it("every endpoint answers 401 without the key or with a wrong one, 200 with it", async () => {
    const calls: Array<[string, string, unknown?]> = [
      ["GET", "/health"],
      ["GET", "/v1/models"],
      ["GET", "/v1/models/tiny"],
      ["POST", "/v1/completions", { model: "tiny", prompt: "hi", max_tokens: 1 }],
      [
        "POST",
        "/v1/chat/completions",
        { model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 1 },
      ],
      ["POST", "/update_weights_from_disk", { model_path: a }],
    ];
    for (const [method, path, body] of calls) {
      const bad: Array<Record<string, string>> = [
        {},
        { authorization: "Bearer wrong" },
        { authorization: KEY },
      ];
      for (const headers of bad) {
        const res = await fetch(url + path, {
          method,
          headers,
          body: body ? JSON.stringify(body) : undefined,
        });
        assert.equal(res.status, 401, `${method} ${path} with ${JSON.stringify(headers)}`);
        const j = (await res.json()) as { error: { code: string; message: string } };
        assert.equal(j.error.code, "invalid_api_key");
        assert.match(j.error.message, /Authorization: Bearer <key>/);
      }
      const ok = await fetch(url + path, {
        method,
        headers: auth,
        body: body ? JSON.stringify(body) : undefined,
      });
      assert.equal(ok.status, 200, `${method} ${path} with the key: ${await ok.text()}`);
    }
  });

  it("refuses with 403 when reloading is off, and for paths outside DIR (also through a symlink)", async () => {
    const reloads = srv.stats.reloads;
    const off = await reload(a, plainUrl);
    assert.equal(off.status, 403);
    assert.deepEqual(await off.json(), {
      success: false,
      message: "weight reloading is off on this server; start it with --allow-reload DIR",
      num_paused_requests: 0,
    });
    for (const [dir, why] of [
      [join(outside, "c"), /is outside the directory this server may load from \(--allow-reload /],
      [join(allow, "..", "x"), /is outside the directory/],
      [join(allow, "link-out"), /link-out resolves to .*\/c, outside the directory/],
    ] as const) {
      const res = await reload(dir);
      assert.equal(res.status, 403, dir);
      const j = (await res.json()) as { success: boolean; message: string };
      assert.equal(j.success, false);
      assert.match(j.message, why);
      assert.ok(!j.message.includes("\n"), "one line");
    }
    assert.equal(srv.stats.reloads, reloads);
  });

  it("a missing directory, another architecture or a bad body is a 400 naming the problem", async () => {
    const missing = await reload(join(allow, "nope"));
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as { message: string }).message, /nope: no such directory/);
    const wide = await reload(join(allow, "wide"));
    assert.equal(wide.status, 400);
    assert.match(
      ((await wide.json()) as { message: string }).message,
      /config\.json differs from the served model's: hidden_size 64 \(served: 32\)/,
    );
    const noPath = await post("/update_weights_from_disk", { path: a });
    assert.equal(noPath.status, 400);
    assert.match(((await noPath.json()) as { message: string }).message, /missing field 'model_path'/);
  });

  it("a reload loads exactly the named weights: completions then equal a server started on them", async () => {
    const onA = await complete(PROMPTS);
    const res = await reload(b);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      success: true,
      message: "Succeeded to update model weights.",
      num_paused_requests: 0,
    });
    const onB = await complete(PROMPTS);
    assert.notDeepEqual(onB, onA, "other weights, other tokens");
    const direct = await engineB.generate(PROMPTS, { temperature: 1, topP: 1, maxNewTokens: 8 }, [5, 5]);
    // the server's first sequence of a seeded request uses the seed itself; the second a derived stream
    assert.deepEqual(onB[0], direct[0].completionIds);
    assert.equal((await reload(a)).status, 200);
    assert.deepEqual(await complete(PROMPTS), onA, "and back");
  });

  it("requests in flight finish on the old weights; requests after the reload use the new ones", async () => {
    const long = Array.from({ length: 12 }, (_, i) => [30 + i, 31, 32]);
    const refA = await complete(long, 48);
    assert.equal((await reload(b)).status, 200);
    const refB = await complete(long, 48);
    assert.equal((await reload(a)).status, 200);
    const order: string[] = [];
    const batches = srv.stats.batches;
    const inflight = complete(long, 48).then((r) => {
      order.push("request");
      return r;
    });
    while (srv.stats.batches === batches) await new Promise((r) => setTimeout(r, 2)); // the request is decoding
    const swap = reload(b).then((r) => {
      order.push("reload");
      return r;
    });
    let swapped = false;
    void swap.then(() => {
      swapped = true;
    });
    while (srv.weightsLock.state.waitingWriters === 0 && !swapped) await new Promise((r) => setTimeout(r, 2));
    assert.ok(!swapped, "the reload waits for the request in flight");
    const after = complete(long, 48); // arrives while the reload waits for the request in flight
    assert.deepEqual(await inflight, refA, "the request in flight ran on the old weights");
    assert.equal((await swap).status, 200);
    assert.deepEqual(await after, refB, "the request that came during the reload ran on the new weights");
    assert.deepEqual(order, ["request", "reload"], "the reload waited for the request in flight");
    assert.equal((await reload(a)).status, 200);
  });
});

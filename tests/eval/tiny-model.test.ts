import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { makeSplits } from "../../src/data/synthetic/index";
import { benchmarkFromRows } from "../../src/eval/benchmarks";
import type { TextEngine } from "../../src/eval/engine";
import { evaluate } from "../../src/eval/evaluate";
import { HttpRunner } from "../../src/eval/http-runner";
import { InProcessRunner } from "../../src/eval/inprocess-runner";
import { loadLocalEngine } from "../../src/eval/local-model";
import { resolveProtocol } from "../../src/eval/protocol";
import { createServer, type OpenAiServer } from "../../src/eval/server";
import { shutdownVerifier } from "../../src/verify/index";
import { TINY_TOKENIZER_DIR, writeTinyModelDir } from "./helpers/tiny-model";

describe("tiny random Qwen2 + tiny-r1 tokenizer: in-process vs HTTP", {
  skip: !existsSync(TINY_TOKENIZER_DIR) && "no tiny-r1 tokenizer",
}, () => {
  let dir: string;
  let local: TextEngine;
  let served: TextEngine;
  let srv: OpenAiServer;
  let url: string;
  before(async () => {
    dir = await writeTinyModelDir();
    local = await loadLocalEngine(dir, { label: "tiny" });
    served = await loadLocalEngine(dir, { label: "tiny", skipBackendInit: true }); // a second, independent load
    srv = createServer(served, { batchWindowMs: 2 });
    url = await srv.listen(0);
  });
  after(async () => {
    await srv.close();
    await shutdownVerifier();
    rmSync(dir, { recursive: true, force: true });
  });

  it("greedy decoding gives identical per-sample results on a synthetic held-out subset", {
    timeout: 120_000,
  }, async () => {
    const { heldoutHard, heldoutEasy } = makeSplits({ heldoutHardSize: 3, heldoutEasySize: 3, trainSize: 1 });
    const bench = benchmarkFromRows("synth-heldout", [...heldoutEasy, ...heldoutHard]);
    const protocol = resolveProtocol("avg", { n: 2, temperature: 0, maxNewTokens: 12 });
    const common = { benchmarks: [bench], protocol, modelLabel: "tiny" };
    await local.generate([[1, 2, 3]], { temperature: 0, topP: 1, maxNewTokens: 2 }, [0]); // builds the model's caches
    const tensorsBefore = tf.memory().numTensors;
    const a = await evaluate({ ...common, runner: new InProcessRunner(local, { batchSize: 4 }) });
    assert.equal(tf.memory().numTensors, tensorsBefore, "the in-process eval leaks no tensors");
    const b = await evaluate({
      ...common,
      runner: new HttpRunner({
        baseUrls: [url],
        model: "tiny",
        api: "completions",
        tokenizer: local.tokenizer,
        concurrency: 4,
      }),
    });
    const c = await evaluate({
      ...common,
      runner: new HttpRunner({ baseUrls: [url], model: "tiny", api: "chat", concurrency: 3 }),
    });
    const view = (r: typeof a) =>
      r.benchmarks[0].records.map((x) => [
        x.problemId,
        x.sampleIndex,
        x.completion,
        x.correct,
        x.finishReason,
        x.completionTokens,
      ]);
    assert.equal(a.benchmarks[0].records.length, 12);
    assert.ok(
      a.benchmarks[0].records.some((r) => r.completion.length > 0),
      "the model produced text",
    );
    assert.deepEqual(view(b), view(a));
    assert.deepEqual(view(c), view(a));
    assert.ok(srv.stats.batches < srv.stats.sequences, "the server batched concurrent requests");
  });
});

import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { filterByDifficulty } from "../../src/data/difficulty";
import { runnerSampler } from "../../src/data/difficulty-sampler";
import { makeSplits } from "../../src/data/synthetic/index";
import { REPO_ROOT } from "../../src/eval/benchmarks";
import type { TextEngine } from "../../src/eval/engine";
import { HttpRunner } from "../../src/eval/http-runner";
import { InProcessRunner } from "../../src/eval/inprocess-runner";
import { loadLocalEngine } from "../../src/eval/local-model";
import { createServer, type OpenAiServer } from "../../src/eval/server";
import { resolveRewards } from "../../src/rewards";
import { shutdownVerifier } from "../../src/verify/index";
import { TINY_TOKENIZER_DIR, writeTinyModelDir } from "../eval/helpers/tiny-model";

const TINY_R1 = path.join(REPO_ROOT, "data/models/tiny-r1");
const GREEDY = { temperature: 0, topP: 1, maxNewTokens: 160 };
const accuracy = resolveRewards(["accuracy"])[0].fn;

after(async () => {
  await shutdownVerifier();
});

describe("difficulty filtering with the tiny-r1 model", {
  skip: !existsSync(path.join(TINY_R1, "model.safetensors")) && "tiny-r1 weights not built",
}, () => {
  it("keeps exactly the problems it fails and always keeps unsolvable ones", {
    timeout: 300_000,
  }, async () => {
    const engine = await loadLocalEngine(TINY_R1, { label: "tiny-r1" });
    const { heldoutEasy } = makeSplits({ heldoutEasySize: 12, heldoutHardSize: 1, trainSize: 1 });
    // The same problems with a corrupted gold: no completion can match it, so their pass rate must be 0.
    const corrupted = heldoutEasy.map((r) => ({
      ...r,
      id: `${r.id}-corrupted`,
      answer: `${r.answer}+1`,
      solution: `\\boxed{${r.answer}+1}`,
    }));
    const rows = [...heldoutEasy, ...corrupted];
    const res = await filterByDifficulty(rows, {
      sample: runnerSampler(new InProcessRunner(engine, { batchSize: 12 }), { params: GREEDY }),
      score: accuracy,
      k: 2,
      keepRange: [0, 0.5], // drop what the model solves (Open-RS dropped problems R1-Distill solved)
      prompt: (r) => r.problem,
      batchSize: 24,
    });
    const byId = new Map(res.results.map((r) => [r.id, r]));
    for (const r of corrupted) assert.equal(byId.get(r.id)!.passRate, 0, `${r.id} cannot be solved`);
    assert.ok(corrupted.every((r) => byId.get(r.id)!.kept));
    const solved = heldoutEasy.filter((r) => byId.get(r.id)!.passRate === 1);
    // Greedy decoding: both samples agree, so each original is solved twice or not at all.
    assert.ok(heldoutEasy.every((r) => [0, 1].includes(byId.get(r.id)!.passRate)));
    assert.ok(solved.length >= 1, "the distilled model solves some Easy problems");
    assert.deepEqual(
      res.kept.map((r) => r.id).sort(),
      rows
        .filter((r) => !solved.includes(r))
        .map((r) => r.id!)
        .sort(),
    );
  });
});

describe("difficulty filtering through an OpenAI-compatible server", {
  skip: !existsSync(TINY_TOKENIZER_DIR) && "no tiny-r1 tokenizer",
}, () => {
  let dir: string;
  let engine: TextEngine;
  let srv: OpenAiServer;
  let url: string;
  before(async () => {
    dir = await writeTinyModelDir();
    engine = await loadLocalEngine(dir, { label: "tiny" });
    srv = createServer(engine, { batchWindowMs: 2 });
    url = await srv.listen(0);
  });
  after(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("samples the same completions as the in-process runner (greedy)", {
    timeout: 120_000,
  }, async () => {
    const { heldoutHard } = makeSplits({ heldoutEasySize: 1, heldoutHardSize: 4, trainSize: 1 });
    const params = { temperature: 0, topP: 1, maxNewTokens: 8 };
    const viaHttp = runnerSampler(new HttpRunner({ baseUrls: [url], model: "tiny", api: "chat" }), {
      params,
    });
    const inProcess = runnerSampler(new InProcessRunner(engine), { params });
    const prompts = heldoutHard.map((r) => r.problem);
    assert.deepEqual(await viaHttp(prompts, 2), await inProcess(prompts, 2));
  });
});

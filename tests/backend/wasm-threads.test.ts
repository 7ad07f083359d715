import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Qwen2ForCausalLM } from "../../src/model/qwen2";
import { maxAbsErr, useBackend } from "./setup";

const IDS = [
  [1, 17, 33, 5, 60, 9],
  [3, 8, 63, 0, 21, 21],
];

describe("opt-in multi-threaded wasm (docs/references.md, threads)", () => {
  it("starts 2 threads in a fresh process and gives the single-thread logits", async () => {
    const child = join(__dirname, "helpers/threads-child.ts");
    const r = spawnSync(process.execPath, ["--import", "tsx", child, JSON.stringify(IDS)], {
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `child failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { threads: number; logits: number[] };
    assert.equal(out.threads, 2);
    await useBackend("wasm");
    const m = await Qwen2ForCausalLM.fromPretrained(join(__dirname, "../fixtures/tiny-qwen2/tied"));
    const t = m.forward(IDS);
    const err = maxAbsErr(out.logits, t.dataSync());
    t.dispose();
    m.dispose();
    assert.ok(err <= 1e-5, `threaded vs single-thread logits: ${err}`);
  });
});

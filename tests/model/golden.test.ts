import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { before, describe, it } from "node:test";
import { Qwen2ForCausalLM } from "../../src/model/qwen2";
import { Rng } from "../../src/util/rng";
import { maxAbsErr, useBackend } from "../backend/setup";

const REPO = resolve(__dirname, "../..");
const FIXTURE = join(REPO, "tests/fixtures/tiny-qwen2");
const REF_SCRIPT = resolve(REPO, "../shared/reference/tools/qwen2_ref.py");
const PYTHON = "/usr/bin/python3";
const VARIANTS = ["tied", "untied"] as const;

const golden = JSON.parse(readFileSync(join(FIXTURE, "golden-logits.json"), "utf8")) as {
  ids: number[][];
} & Record<(typeof VARIANTS)[number], number[][][]>;

function ourLogits(m: Qwen2ForCausalLM, ids: number[][]): Float32Array {
  const t = m.forward(ids);
  const d = t.dataSync() as Float32Array;
  t.dispose();
  return d;
}

function torchAvailable(): boolean {
  if (!existsSync(PYTHON) || !existsSync(REF_SCRIPT)) return false;
  return spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
}

describe("Qwen2 logits vs the independent PyTorch reference", () => {
  before(async () => {
    await useBackend("wasm");
  });

  for (const v of VARIANTS) {
    it(`matches the committed golden logits within 1e-4 (${v})`, async () => {
      const m = await Qwen2ForCausalLM.fromPretrained(join(FIXTURE, v));
      const ours = ourLogits(m, golden.ids);
      const ref = golden[v].flat(2);
      assert.equal(ours.length, ref.length);
      const err = maxAbsErr(ours, ref);
      assert.ok(err <= 1e-4, `max |Δlogit| = ${err}`);
      m.dispose();
    });
  }

  it("the tied and untied fixtures really differ in their head", () => {
    assert.ok(maxAbsErr(golden.tied.flat(2), golden.untied.flat(2)) > 0.1);
  });

  it("matches a live run of qwen2_ref.py on fresh ids (skips without torch)", async (t) => {
    if (!torchAvailable()) {
      t.skip(`needs ${PYTHON} with torch and ${REF_SCRIPT}`);
      return;
    }
    const rng = new Rng(2024);
    const ids = [0, 1].map(() => Array.from({ length: 13 }, () => rng.int(64)));
    for (const v of VARIANTS) {
      const dir = join(FIXTURE, v);
      const r = spawnSync(PYTHON, [REF_SCRIPT, dir, JSON.stringify(ids)], {
        encoding: "utf8",
        timeout: 120_000,
      });
      assert.equal(r.status, 0, `qwen2_ref.py failed: ${r.stderr}`);
      const ref = (JSON.parse(r.stdout) as { logits: number[][][] }).logits.flat(2);
      const m = await Qwen2ForCausalLM.fromPretrained(dir);
      const err = maxAbsErr(ourLogits(m, ids), ref);
      assert.ok(err <= 1e-4, `${v}: max |Δlogit| = ${err}`);
      m.dispose();
    }
  });
});

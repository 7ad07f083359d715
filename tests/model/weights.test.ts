import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { saveHfModelDir } from "../../src/io/hf-dir";
import { parseQwen2Config } from "../../src/model/config";
import { Qwen2ForCausalLM } from "../../src/model/qwen2";
import { randomQwen2Tensors, transpose2d, validateQwen2Tensors } from "../../src/model/weights";
import { useBackend } from "../backend/setup";

const FIXTURE = join(__dirname, "../fixtures/tiny-qwen2");
const TINY = {
  model_type: "qwen2",
  vocab_size: 16,
  hidden_size: 8,
  intermediate_size: 12,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  tie_word_embeddings: false,
};

describe("Qwen2 weights I/O", () => {
  let tmp: string;
  before(async () => {
    await useBackend("wasm");
    tmp = mkdtempSync(join(tmpdir(), "qwen2-weights-"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("transposes a 2×3 matrix", () => {
    assert.deepEqual(
      Array.from(transpose2d(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3)),
      [1, 4, 2, 5, 3, 6],
    );
  });

  for (const variant of ["tied", "untied"]) {
    it(`save → load is bit-exact in f32 (${variant} fixture)`, async () => {
      const m = await Qwen2ForCausalLM.fromPretrained(join(FIXTURE, variant));
      const dir = join(tmp, variant);
      await m.save(dir);
      const m2 = await Qwen2ForCausalLM.fromPretrained(dir);
      const a = m.hostTensors();
      const b = m2.hostTensors();
      assert.deepEqual([...b.keys()], [...a.keys()]);
      for (const [name, t] of a) {
        const u = b.get(name)!;
        assert.deepEqual(u.shape, t.shape, name);
        assert.ok(
          Buffer.from(u.data.buffer).equals(Buffer.from(t.data.buffer)),
          `${name} differs after round-trip`,
        );
      }
      assert.deepEqual(m2.config.tie_word_embeddings, m.config.tie_word_embeddings);
      m.dispose();
      m2.dispose();
    });
  }

  it("loads an HF dir with identical weights to the host tensors written", async () => {
    const cfg = parseQwen2Config(TINY);
    const tensors = randomQwen2Tensors(cfg, 3);
    await saveHfModelDir(join(tmp, "rand"), { config: TINY, tensors });
    const m = await Qwen2ForCausalLM.fromPretrained(join(tmp, "rand"));
    const q = m.params.get("model.layers.1.self_attn.q_proj.weight")!;
    assert.deepEqual(q.shape, [8, 8]);
    const o = m.params.get("model.layers.0.mlp.down_proj.weight")!;
    assert.deepEqual(o.shape, [12, 8], "down_proj held as [in, out]");
    const host = m.hostTensors().get("model.layers.0.mlp.down_proj.weight")!;
    assert.deepEqual(host.shape, [8, 12]);
    assert.deepEqual(
      Array.from(host.data),
      Array.from(tensors.get("model.layers.0.mlp.down_proj.weight")!.data),
    );
    assert.equal(
      m.numParameters(),
      m.trainableVariables().reduce((a, v) => a + v.size, 0),
    );
    m.dispose();
  });

  it("names the tensor and the source on missing, extra and mis-shaped tensors", async () => {
    const cfg = parseQwen2Config(TINY);
    const good = randomQwen2Tensors(cfg, 1);
    const missing = new Map(good);
    missing.delete("model.layers.1.mlp.up_proj.weight");
    assert.throws(
      () => validateQwen2Tensors(cfg, missing, "dir/x"),
      /dir\/x: missing tensor "model\.layers\.1\.mlp\.up_proj\.weight"/,
    );
    const extra = new Map(good).set("model.layers.2.mlp.up_proj.weight", {
      shape: [1],
      data: new Float32Array(1),
    });
    assert.throws(
      () => validateQwen2Tensors(cfg, extra, "dir/x"),
      /unexpected tensor "model\.layers\.2\.mlp\.up_proj\.weight"/,
    );
    const bad = new Map(good).set("model.norm.weight", { shape: [9], data: new Float32Array(9) });
    assert.throws(
      () => validateQwen2Tensors(cfg, bad, "dir/x"),
      /"model\.norm\.weight" has shape \[9\] but config\.json implies \[8\]/,
    );
    // Through a real directory: the error names the directory.
    await saveHfModelDir(join(tmp, "bad"), { config: TINY, tensors: missing });
    await assert.rejects(Qwen2ForCausalLM.fromPretrained(join(tmp, "bad")), (e: Error) => {
      assert.match(e.message, /bad: missing tensor "model\.layers\.1\.mlp\.up_proj\.weight"/);
      return true;
    });
  });

  it("a tied config ignores an lm_head.weight written by some exporters", () => {
    const cfg = parseQwen2Config({ ...TINY, tie_word_embeddings: true });
    const t = randomQwen2Tensors(cfg, 1).set("lm_head.weight", {
      shape: [16, 8],
      data: new Float32Array(128),
    });
    assert.doesNotThrow(() => validateQwen2Tensors(cfg, t, "x"));
  });

  it("random init is seeded and dispose frees every variable", () => {
    const n0 = tf.memory().numTensors;
    const a = Qwen2ForCausalLM.random(TINY, 5);
    const b = Qwen2ForCausalLM.random(TINY, 5);
    const c = Qwen2ForCausalLM.random(TINY, 6);
    const e = (m: Qwen2ForCausalLM) => Array.from(m.embed.dataSync());
    assert.deepEqual(e(a), e(b));
    assert.notDeepEqual(e(a), e(c));
    for (const m of [a, b, c]) m.dispose();
    assert.equal(tf.memory().numTensors, n0);
  });
});

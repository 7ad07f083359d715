import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadHfModelDir, saveHfModelDir } from "../../src/io/hf-dir";
import {
  INDEX_FILE,
  planShards,
  readSafetensorsDir,
  shardFileName,
  writeSafetensorsDir,
} from "../../src/io/sharded";

const root = mkdtempSync(join(tmpdir(), "open-rs-hf-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** A few "weights" with distinct, non-round values. */
function weights(): Map<string, { shape: number[]; data: Float32Array }> {
  const t = (shape: number[], seed: number) => ({
    shape,
    data: Float32Array.from(
      { length: shape.reduce((a, b) => a * b, 1) },
      (_, i) => Math.sin(seed + i * 0.37) / 3,
    ),
  });
  return new Map([
    ["model.embed_tokens.weight", t([16, 8], 1)],
    ["model.layers.0.self_attn.q_proj.weight", t([8, 8], 2)],
    ["model.layers.0.self_attn.q_proj.bias", t([8], 3)],
    ["model.norm.weight", t([8], 4)],
  ]);
}

const config = {
  hidden_size: 8,
  vocab_size: 16,
  bos_token_id: 1,
  eos_token_id: 2,
  tie_word_embeddings: true,
};

describe("sharded safetensors directories", () => {
  it("names shards like transformers and packs greedily, a big tensor alone", () => {
    assert.equal(shardFileName(2, 13), "model-00002-of-00013.safetensors");
    const t = (n: number) => ({ dtype: "F32" as const, shape: [n], data: new Float32Array(n) });
    const plan = planShards(
      [
        ["a", t(10)],
        ["b", t(10)],
        ["c", t(100)],
        ["d", t(5)],
      ],
      80,
    );
    assert.deepEqual(
      plan.map((s) => s.map(([n]) => n)),
      [["a", "b"], ["c"], ["d"]],
    );
  });

  it("round-trips through shards and an index with total_size", () => {
    const dir = join(root, "shards");
    mkdirSync(dir);
    const w = weights();
    const files = writeSafetensorsDir(
      dir,
      [...w].map(([n, t]) => [n, { dtype: "F32", ...t }]),
      300,
    );
    assert.ok(files.length > 2, `expected several shards, got ${files}`);
    const index = JSON.parse(readFileSync(join(dir, INDEX_FILE), "utf8"));
    assert.equal(index.metadata.total_size, (128 + 64 + 8 + 8) * 4);
    assert.deepEqual(Object.keys(index.weight_map).sort(), [...w.keys()].sort());
    const back = readSafetensorsDir(dir);
    for (const [name, t] of w) assert.deepEqual(back.get(name)?.data, t.data, name);
  });

  it("reports a tensor the index lists but its shard lacks, and a missing shard", () => {
    const dir = join(root, "badindex");
    mkdirSync(dir);
    const w = weights();
    writeSafetensorsDir(
      dir,
      [...w].map(([n, t]) => [n, { dtype: "F32", ...t }]),
      300,
    );
    const index = JSON.parse(readFileSync(join(dir, INDEX_FILE), "utf8"));
    index.weight_map["lm_head.weight"] = shardFileName(1, 3);
    writeFileSync(join(dir, INDEX_FILE), JSON.stringify(index));
    assert.throws(
      () => readSafetensorsDir(dir),
      /model-00001-of-00003\.safetensors: missing tensor "lm_head\.weight"/,
    );
    index.weight_map["lm_head.weight"] = "model-00009-of-00009.safetensors";
    writeFileSync(join(dir, INDEX_FILE), JSON.stringify(index));
    assert.throws(
      () => readSafetensorsDir(dir),
      /shard model-00009-of-00009\.safetensors \(holding "lm_head\.weight"\) does not exist/,
    );
  });
});

describe("HF model directories", () => {
  const tokDir = join(root, "tok");
  mkdirSync(tokDir);
  writeFileSync(join(tokDir, "tokenizer.json"), '{"model":{}}');
  writeFileSync(join(tokDir, "tokenizer_config.json"), '{"eos_token":"<e>"}');

  it("saves config, weights, generation config and tokenizer files, and loads them back bit-exact (F32)", async () => {
    const dir = join(root, "ckpt");
    const w = weights();
    await saveHfModelDir(dir, { config, tensors: w, tokenizerDir: tokDir });
    assert.deepEqual(readdirSync(dir).sort(), [
      "config.json",
      "generation_config.json",
      "model.safetensors",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);
    const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    assert.deepEqual(cfg.architectures, ["Qwen2ForCausalLM"]);
    assert.equal(cfg.model_type, "qwen2");
    assert.equal(cfg.torch_dtype, "float32");
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "generation_config.json"), "utf8")), {
      bos_token_id: 1,
      eos_token_id: 2,
    });
    const m = await loadHfModelDir(dir);
    assert.equal(m.config.hidden_size, 8);
    for (const [name, t] of w) {
      const got = m.tensors.get(name);
      assert.ok(got !== undefined, `missing ${name}`);
      assert.deepEqual(got.shape, t.shape);
      assert.deepEqual(new Uint32Array(got.data.buffer), new Uint32Array(t.data.buffer), name);
    }
  });

  it("saves BF16 rounded to nearest even, sharded, replacing the old directory completely", async () => {
    const dir = join(root, "ckpt");
    const w = weights();
    w.set("model.norm.weight", { shape: [2], data: Float32Array.of(1 + 2 ** -8, 1 + 3 * 2 ** -8) });
    await saveHfModelDir(dir, { config, tensors: w, dtype: "BF16", maxShardBytes: 200 });
    assert.ok(existsSync(join(dir, INDEX_FILE)));
    assert.ok(
      !existsSync(join(dir, "model.safetensors")),
      "stale single file from the old save must be gone",
    );
    assert.ok(!existsSync(join(dir, "tokenizer.json")), "old directory is replaced, not merged");
    assert.deepEqual(
      readdirSync(root).filter((f) => f.startsWith(".")),
      [],
      "no temp dirs left behind",
    );
    const m = await loadHfModelDir(dir);
    assert.equal(m.config.torch_dtype, "bfloat16");
    // Ties: 1 + 2^-8 → 1 (even), 1 + 3·2^-8 → 1 + 2^-6 (even mantissa 0x82).
    assert.deepEqual(Array.from(m.tensors.get("model.norm.weight")?.data ?? []), [1, 1 + 2 ** -6]);
    assert.equal(m.tensors.get("model.norm.weight")?.dtype, "BF16");
  });

  it("leaves an existing directory untouched when the save fails", async () => {
    const dir = join(root, "keep");
    await saveHfModelDir(dir, { config, tensors: weights() });
    const before = readFileSync(join(dir, "model.safetensors"));
    const bad = new Map([["x", { shape: [3], data: new Float32Array(2) }]]);
    await assert.rejects(saveHfModelDir(dir, { config, tensors: bad }), /tensor "x": data has 2 elements/);
    assert.deepEqual(readFileSync(join(dir, "model.safetensors")), before);
    assert.deepEqual(
      readdirSync(root).filter((f) => f.startsWith(".")),
      [],
    );
  });

  it("says what is missing in a directory that is not a model", async () => {
    const dir = join(root, "empty");
    mkdirSync(dir);
    await assert.rejects(loadHfModelDir(dir), /no config\.json/);
    writeFileSync(join(dir, "config.json"), "{}");
    await assert.rejects(
      loadHfModelDir(dir),
      /neither model\.safetensors nor model\.safetensors\.index\.json/,
    );
  });
});

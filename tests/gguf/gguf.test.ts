import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import {
  convertHfDir,
  hfDirTensorSource,
  parseGgufOutType,
  readTokenizerFiles,
  writeQwen2Gguf,
} from "../../src/gguf/convert";
import { GgmlType, gv, Q8_0_BLOCK_BYTES, QK8_0 } from "../../src/gguf/format";
import { quantizeQ8_0 } from "../../src/gguf/quant";
import { ggmlTypeFor, ggufTensorName } from "../../src/gguf/qwen2";
import {
  looksSpecial,
  QWEN2_PRETOKENIZER_REGEX,
  TokenType,
  tokenizerMetadata,
} from "../../src/gguf/tokenizer";
import { encodeGgufHeader, writeGgufFile } from "../../src/gguf/writer";
import { f16BitsToF32 } from "../../src/io/dtype";

const ROOT = resolve(__dirname, "../..");
const FIXTURE = join(ROOT, "tests/fixtures/tiny-qwen2");
const TINY_R1 = join(ROOT, "data/models/tiny-r1");
const tmp = mkdtempSync(join(tmpdir(), "gguf-test-"));

/** Inverse of quantizeQ8_0: x = q · d (what llama.cpp computes with). */
function dequantizeQ8_0(bytes: Uint8Array): Float32Array {
  const nb = bytes.length / Q8_0_BLOCK_BYTES;
  const out = new Float32Array(nb * QK8_0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let b = 0; b < nb; b++) {
    const d = f16BitsToF32(view.getUint16(b * Q8_0_BLOCK_BYTES, true));
    for (let j = 0; j < QK8_0; j++) out[b * QK8_0 + j] = view.getInt8(b * Q8_0_BLOCK_BYTES + 2 + j) * d;
  }
  return out;
}
after(() => rmSync(tmp, { recursive: true, force: true }));

/** node-llama-cpp's own GGUF parser: an independent reader of what we write. */
async function readGguf(path: string) {
  const { readGgufFileInfo } = await import("node-llama-cpp");
  return readGgufFileInfo(path, { readTensorInfo: true });
}

describe("Q8_0", () => {
  it("matches ggml's quantize_row_q8_0_ref on a worked block (roundf: half away from zero)", () => {
    const x = new Float32Array(64);
    x.set([127, -127, 63.5, -63.5, 0.5, -0.5, 1.49, -2.51]); // block 0: amax 127 → d = 1
    const q = quantizeQ8_0(x); // block 1 is all zeros → d = 0
    assert.equal(q.length, 68);
    const view = new DataView(q.buffer);
    assert.equal(view.getUint16(0, true), 0x3c00); // f16(1.0)
    const qs = Array.from(new Int8Array(q.buffer, 2, 8));
    assert.deepEqual(qs, [127, -127, 64, -64, 1, -1, 1, -3]);
    assert.equal(view.getUint16(34, true), 0);
    assert.ok(new Int8Array(q.buffer, 36, 32).every((v) => v === 0));
  });

  it("round-trips within half a step per block", () => {
    const x = Float32Array.from({ length: 32 * 50 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
    const y = dequantizeQ8_0(quantizeQ8_0(x));
    for (let b = 0; b < 50; b++) {
      let amax = 0;
      for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
      for (let j = 0; j < 32; j++) {
        // half a step (d/2 = amax/254) plus |q| ≤ 127 times the f16 rounding of d (≤ 2^-11 · d)
        assert.ok(Math.abs(x[b * 32 + j] - y[b * 32 + j]) <= amax / 254 + amax / 2048 + 1e-7);
      }
    }
  });

  it("rejects a length that is not a multiple of 32", () => {
    assert.throws(() => quantizeQ8_0(new Float32Array(33)), /multiple of 32/);
  });
});

describe("GGUF writer", () => {
  it("lays out header, metadata, reversed dims, offsets and 32-byte alignment as gguf.md says", async () => {
    const tensors = [
      { name: "t", shape: [2, 3], type: GgmlType.F32, data: () => Float32Array.of(1, 2, 3, 4, 5, 6) },
    ];
    const { header, sizes } = encodeGgufHeader([["a", gv.str("b")]], tensors);
    // 24 (magic, version, counts) + 22 ("a" = "b") + 33 (general.alignment u32) + 41 (tensor info) = 120 → 128
    assert.equal(header.length, 128);
    assert.equal(header.toString("latin1", 0, 4), "GGUF");
    assert.equal(header.readUInt32LE(4), 3);
    assert.equal(header.readBigUInt64LE(8), 1n);
    assert.equal(header.readBigUInt64LE(16), 2n);
    assert.deepEqual(sizes, [24]);
    // tensor info at 79: name, n_dims, dims fastest-first ([3, 2]), type, offset
    assert.equal(header.readBigUInt64LE(79 + 9 + 4), 3n);
    assert.equal(header.readBigUInt64LE(79 + 9 + 12), 2n);
    const path = join(tmp, "hand.gguf");
    const bytes = await writeGgufFile(path, [["a", gv.str("b")]], tensors);
    assert.equal(bytes, 160);
    assert.equal(readFileSync(path).length, 160);
    const file = readFileSync(path);
    const data = file.buffer.slice(file.byteOffset + 128, file.byteOffset + 152);
    assert.deepEqual(Array.from(new Float32Array(data)), [1, 2, 3, 4, 5, 6]);
    const info = await readGguf(path);
    assert.equal((info.metadata as unknown as Record<string, unknown>).a, "b");
    assert.deepEqual(info.tensorInfo?.[0].dimensions, [3, 2]);
  });

  it("refuses data of the wrong size and leaves no file behind", async () => {
    const path = join(tmp, "bad.gguf");
    const t = [{ name: "t", shape: [4], type: GgmlType.F32, data: () => new Float32Array(3) }];
    await assert.rejects(writeGgufFile(path, [], t), /3 values for shape \[4\]/);
    assert.throws(() => readFileSync(path), /ENOENT/);
  });
});

describe("Qwen2 → GGUF mapping", () => {
  it("names tensors as llama.cpp's qwen2 architecture and picks types as convert_hf_to_gguf.py", () => {
    assert.equal(ggufTensorName("model.embed_tokens.weight"), "token_embd.weight");
    assert.equal(ggufTensorName("model.layers.3.self_attn.k_proj.bias"), "blk.3.attn_k.bias");
    assert.equal(ggufTensorName("model.layers.0.mlp.down_proj.weight"), "blk.0.ffn_down.weight");
    assert.equal(ggufTensorName("model.layers.1.post_attention_layernorm.weight"), "blk.1.ffn_norm.weight");
    assert.equal(ggufTensorName("lm_head.weight"), "output.weight");
    assert.throws(() => ggufTensorName("model.layers.0.mlp.act"), /no GGUF name/);
    assert.equal(ggmlTypeFor("Q8_0", [64]), GgmlType.F32);
    assert.equal(ggmlTypeFor("Q8_0", [64, 32]), GgmlType.Q8_0);
    assert.equal(ggmlTypeFor("Q8_0", [32, 48]), GgmlType.F16); // rows of 48: not Q8_0-able
    assert.equal(ggmlTypeFor("F16", [32, 48]), GgmlType.F16);
    assert.equal(ggmlTypeFor("F32", [32, 48]), GgmlType.F32);
  });

  it("parses user type names", () => {
    assert.equal(parseGgufOutType("q8"), "Q8_0");
    assert.equal(parseGgufOutType("f16"), "F16");
    assert.throws(
      () => parseGgufOutType("q4_k", "--type"),
      /--type: unknown GGUF type "q4_k"; use one of F32, F16, Q8_0/,
    );
  });
});

describe("tokenizer metadata", () => {
  const json = (p: string) => JSON.parse(readFileSync(p, "utf8")) as Record<string, unknown>;

  it("tiny-r1: tokens, CONTROL/USER_DEFINED added tokens, merges, special ids, chat template", () => {
    const cfg = json(join(TINY_R1, "tokenizer_config.json"));
    const { entries, notes } = tokenizerMetadata(
      {
        tokenizerJson: json(join(TINY_R1, "tokenizer.json")),
        tokenizerConfig: cfg,
        chatTemplate: cfg.chat_template as string,
      },
      832,
      json(join(TINY_R1, "config.json")),
    );
    const m = new Map(entries.map(([k, v]) => [k, v.value]));
    const tokens = m.get("tokenizer.ggml.tokens") as string[];
    const types = m.get("tokenizer.ggml.token_type") as Int32Array;
    assert.equal(tokens.length, 832);
    assert.equal(tokens[825], "<｜begin▁of▁sentence｜>");
    assert.equal(types[825], TokenType.CONTROL); // special
    assert.equal(types[828], TokenType.CONTROL); // <｜User｜>: not special, but looks special (deepseek rule)
    assert.equal(types[830], TokenType.USER_DEFINED); // <think>
    assert.equal(types[0], TokenType.NORMAL);
    assert.equal((m.get("tokenizer.ggml.merges") as string[]).length, 569);
    assert.equal(m.get("tokenizer.ggml.model"), "gpt2");
    assert.equal(m.get("tokenizer.ggml.bos_token_id"), 825);
    assert.equal(m.get("tokenizer.ggml.eos_token_id"), 826);
    assert.equal(m.get("tokenizer.ggml.padding_token_id"), 827);
    assert.equal(m.get("tokenizer.ggml.add_bos_token"), true);
    assert.match(m.get("tokenizer.chat_template") as string, /<｜Assistant｜>/);
    assert.equal(notes.length, 1); // Digits + ByteLevel pre-tokenizer: not Qwen2's regex
  });

  it("a Qwen tokenizer: Qwen2's pre-tokenizer regex, placeholders up to the model's vocab_size", () => {
    const dir = join(ROOT, "tests/fixtures/qwen-tokenizer");
    const tj = json(join(dir, "tokenizer.json"));
    const { entries, notes } = tokenizerMetadata(
      { tokenizerJson: tj, tokenizerConfig: json(join(dir, "tokenizer_config.json")) },
      151936,
      {},
    );
    const m = new Map(entries.map(([k, v]) => [k, v.value]));
    const tokens = m.get("tokenizer.ggml.tokens") as string[];
    const types = m.get("tokenizer.ggml.token_type") as Int32Array;
    assert.deepEqual(notes, []);
    assert.equal(tokens.length, 151936);
    assert.equal(tokens[151935], "[PAD151935]");
    assert.equal(types[151935], TokenType.UNUSED);
    assert.equal(types[151643], TokenType.CONTROL); // <|endoftext|>
    assert.ok(QWEN2_PRETOKENIZER_REGEX.includes("\\p{N}"));
  });

  it("rejects non-BPE tokenizers and ids past vocab_size, naming the field", () => {
    assert.throws(
      () =>
        tokenizerMetadata(
          { tokenizerJson: { model: { type: "Unigram", vocab: {} } }, tokenizerConfig: {} },
          8,
          {},
        ),
      /model.type is "Unigram"; only byte-level BPE/,
    );
    const tj = { model: { type: "BPE", vocab: { a: 0, b: 9 }, merges: [] }, decoder: { type: "ByteLevel" } };
    assert.throws(
      () => tokenizerMetadata({ tokenizerJson: tj, tokenizerConfig: {} }, 8, {}),
      /token "b" has id 9, outside the model's vocab_size 8/,
    );
    assert.ok(looksSpecial("<|im_end|>") && !looksSpecial("<think>"));
  });
});

describe("convertHfDir", () => {
  const cacheDir = join(tmp, "cache");

  for (const v of ["tied", "untied"] as const) {
    it(`${v}: F32/F16/Q8_0 files with the qwen2 tensor set and per-tensor types`, async () => {
      for (const type of ["F32", "F16", "Q8_0"] as const) {
        const res = await convertHfDir(join(FIXTURE, v), { type, cacheDir });
        const info = await readGguf(res.path);
        const meta = info.metadata as unknown as { general: { architecture: string; file_type: number } };
        assert.equal(meta.general.architecture, "qwen2");
        assert.equal(meta.general.file_type, { F32: 0, F16: 1, Q8_0: 7 }[type]);
        const byName = new Map(info.tensorInfo!.map((t) => [t.name, t]));
        assert.equal(byName.size, v === "tied" ? 26 : 27); // 1 + 2 × 12 + 1 (+ output)
        assert.equal(byName.has("output.weight"), v === "untied");
        assert.deepEqual(byName.get("token_embd.weight")!.dimensions, [32, 64]);
        assert.equal(byName.get("blk.0.attn_norm.weight")!.ggmlType, GgmlType.F32);
        const q = byName.get("blk.1.attn_q.weight")!.ggmlType;
        const down = byName.get("blk.1.ffn_down.weight")!.ggmlType;
        assert.equal(q, { F32: GgmlType.F32, F16: GgmlType.F16, Q8_0: GgmlType.Q8_0 }[type]);
        assert.equal(down, { F32: GgmlType.F32, F16: GgmlType.F16, Q8_0: GgmlType.F16 }[type]); // rows of 48
        assert.match(res.notes.join(" "), /placeholder tokens/);
      }
    });
  }

  it("is cached by content hash: same files → cached, changed files → a new file", async () => {
    const dir = join(tmp, "copy");
    cpSync(join(FIXTURE, "tied"), dir, { recursive: true });
    const first = await convertHfDir(dir, { cacheDir });
    assert.equal(first.cached, false);
    const again = await convertHfDir(dir, { cacheDir });
    assert.equal(again.cached, true);
    assert.equal(again.path, first.path);
    const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...cfg, rms_norm_eps: 1e-5 }));
    const changed = await convertHfDir(dir, { cacheDir });
    assert.equal(changed.cached, false);
    assert.notEqual(changed.hash, first.hash);
  });

  it("rewrites weights in place only into a file of identical layout (bytes equal a fresh write)", async () => {
    const dir = join(FIXTURE, "tied");
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    const src = hfDirTensorSource(dir);
    const doubled = { shapes: src.shapes, read: (n: string) => src.read(n).map((x) => 2 * x) };
    const base = {
      config,
      tokenizer: readTokenizerFiles(dir),
      type: "Q8_0",
      name: "t",
      source: dir,
    } as const;
    const inPlace = join(tmp, "inplace.gguf");
    const fresh = join(tmp, "fresh.gguf");
    await writeQwen2Gguf(inPlace, { ...base, tensors: src });
    await writeQwen2Gguf(inPlace, { ...base, tensors: doubled, inPlace: true });
    await writeQwen2Gguf(fresh, { ...base, tensors: doubled });
    assert.ok(readFileSync(inPlace).equals(readFileSync(fresh)));
    await assert.rejects(
      writeQwen2Gguf(inPlace, { ...base, type: "F16", tensors: src, inPlace: true }),
      /the GGUF header differs from these tensors'/,
    );
  });

  it("fails with one line naming the directory when there is no config.json", async () => {
    await assert.rejects(
      convertHfDir(tmp, { cacheDir }),
      /no config.json \(not a Hugging Face model directory\)/,
    );
  });
});

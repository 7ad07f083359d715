import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { parquetWriteBuffer } from "hyparquet-writer";
import { loadDataset } from "../../src/data/loader";
import { loadHfModelDir } from "../../src/io/hf-dir";
import { Qwen2ForCausalLM } from "../../src/model/qwen2";
import { HfTokenizer } from "../../src/tokenizer/tokenizer";
import { useBackend } from "../backend/setup";

// Corrupt inputs of every loader: each error names the file (or directory) and what is wrong, and none is a
// raw JS error (TypeError, RangeError, "Cannot read properties ...").

const TINY = resolve(__dirname, "../../data/models/tiny-r1");
let dir: string;
const f = (name: string) => join(dir, name);
const RAW = /TypeError|RangeError|Cannot read propert|undefined|is not a function|Unexpected end/;

async function rejectsNaming(p: Promise<unknown> | (() => unknown), file: string, what: RegExp) {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    const msg = (e as Error).message;
    assert.ok(msg.includes(file), `names ${file}: ${msg}`);
    assert.match(msg, what);
    assert.ok(!RAW.test(msg.replace(file, "")) || /JSON/.test(msg), `a raw JS error: ${msg}`);
    return msg;
  }
  assert.fail(`${file}: no error`);
}

function parquet(): Buffer {
  const n = 40;
  return Buffer.from(
    parquetWriteBuffer({
      columnData: [
        {
          name: "problem",
          data: Array.from({ length: n }, (_, i) => `What is ${i} + ${i}?`),
          type: "STRING",
        },
        { name: "answer", data: Array.from({ length: n }, (_, i) => String(2 * i)), type: "STRING" },
      ],
    }),
  );
}

describe("corrupt inputs: every loader error names the file and the fault", () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "corrupt-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("JSONL: binary, NUL bytes, invalid UTF-8, empty, blank, all bad, a directory, a missing path, Parquet bytes", async () => {
    const cases: Array<[string, Buffer | string, RegExp]> = [
      ["gz.jsonl", Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]), /is binary, not JSON text/],
      [
        "nul.jsonl",
        Buffer.from('{"problem": "a\u0000", "answer": "1"}\n'.replace("\\u0000", "\u0000")),
        /is binary/,
      ],
      ["latin1.jsonl", Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d, 0x0a]), /is not UTF-8 text/],
      ["empty.jsonl", "", /is empty \(0 bytes\)/],
      ["blank.jsonl", "\n\n  \n", /no usable rows in/],
      [
        "bad.jsonl",
        "{not json\n[1]\n",
        /no usable rows in .*all 2 records were bad, first .*bad\.jsonl:1: invalid JSON/,
      ],
      ["pq.jsonl", parquet(), /is a Parquet file, not JSON text; rename it to \.parquet/],
    ];
    for (const [name, body, what] of cases) {
      writeFileSync(f(name), body);
      await rejectsNaming(loadDataset({ path: f(name) }), name, what);
    }
    mkdirSync(f("dir.jsonl"));
    await rejectsNaming(loadDataset({ path: f("dir.jsonl") }), "dir.jsonl", /is a directory/);
    await rejectsNaming(loadDataset(f("missing.jsonl")), "missing.jsonl", /no such file/);
    await rejectsNaming(loadDataset("./no/such/rows"), "./no/such/rows", /no such file; check the path/);
  });

  it("JSONL: skipped rows are counted and named file:line in one warning", async () => {
    writeFileSync(f("mixed.jsonl"), '{"problem": "p", "answer": "1"}\n{oops\n{"problem": "q"}\n');
    const warnings: string[] = [];
    const { rows, report } = await loadDataset({ path: f("mixed.jsonl") }, { warn: (m) => warnings.push(m) });
    assert.equal(rows.length, 1);
    assert.equal(report.skipped, 2);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0],
      /skipped 2 of 3 rows of .*mixed\.jsonl \(onBadRow: skip\): .*mixed\.jsonl:2: invalid JSON.*mixed\.jsonl:3: required field answer/,
    );
  });

  it("Parquet: empty, cut short at 4 points, no magic, and 4 bit flips: errors name the file", async () => {
    const good = parquet();
    writeFileSync(f("good.parquet"), good);
    assert.equal((await loadDataset({ path: f("good.parquet") })).rows.length, 40);
    const cuts: Array<[string, Buffer, RegExp]> = [
      ["empty.parquet", Buffer.alloc(0), /is empty/],
      ["magic-only.parquet", good.subarray(0, 4), /is truncated/],
      ["half.parquet", good.subarray(0, good.length >> 1), /is truncated \(no PAR1 footer\)/],
      ["minus1.parquet", good.subarray(0, good.length - 1), /is truncated/],
      ["minus9.parquet", good.subarray(0, good.length - 9), /is truncated/],
      ["text.parquet", Buffer.from('{"problem": "x"}\n'), /is not a Parquet file \(no PAR1 magic\)/],
    ];
    for (const [name, body, what] of cuts) {
      writeFileSync(f(name), body);
      await rejectsNaming(loadDataset({ path: f(name) }), name, what);
    }
    // flips in the footer: its length field, and bytes of the metadata it points at
    const footerLen = good.readUInt32LE(good.length - 8);
    const flips = [good.length - 8, good.length - 6, good.length - 8 - footerLen + 1, good.length - 8 - 3];
    let errors = 0;
    for (const [i, at] of flips.entries()) {
      const bad = Buffer.from(good);
      bad[at] ^= 0xff;
      const name = `flip${i}.parquet`;
      writeFileSync(f(name), bad);
      try {
        await loadDataset({ path: f(name) }, { warn: () => {} });
      } catch (e) {
        errors++;
        const msg = (e as Error).message;
        assert.ok(msg.startsWith(`data: ${f(name)}`), msg);
        assert.match(msg, /corrupt Parquet file|truncated|no usable rows/);
      }
    }
    assert.ok(errors >= 2, `${errors} of 4 footer flips were noticed`);
  });

  it("tokenizer.json and tokenizer_config.json: 11 broken directories, each error names the file or directory", () => {
    const json = JSON.parse(readFileSync(join(TINY, "tokenizer.json"), "utf8"));
    const config = JSON.parse(readFileSync(join(TINY, "tokenizer_config.json"), "utf8"));
    const variant = (name: string, tok: unknown, cfg: unknown = config) => {
      const d = f(`tok-${name}`);
      mkdirSync(d);
      writeFileSync(
        join(d, "tokenizer.json"),
        typeof tok === "string" || Buffer.isBuffer(tok) ? tok : JSON.stringify(tok),
      );
      if (cfg !== null)
        writeFileSync(join(d, "tokenizer_config.json"), typeof cfg === "string" ? cfg : JSON.stringify(cfg));
      return d;
    };
    const noDigits = structuredClone(json);
    for (const dgt of "0123456789") delete noDigits.model.vocab[dgt];
    const noUser = structuredClone(json);
    noUser.added_tokens = noUser.added_tokens.filter((t: { content: string }) => t.content !== "<｜User｜>");
    const text = readFileSync(join(TINY, "tokenizer.json"), "utf8");
    const cases: Array<[string, unknown, unknown, RegExp]> = [
      ["not-json", "{ not json", config, /tokenizer\.json: cannot read JSON/],
      ["cut", text.slice(0, text.length >> 1), config, /tokenizer\.json: cannot read JSON/],
      ["binary", Buffer.from([0x1f, 0x8b, 0, 0xff, 0x10]), config, /tokenizer\.json: cannot read JSON/],
      [
        "no-model",
        { ...json, model: undefined },
        config,
        /tokenizer\.json: not a usable Hugging Face tokenizer/,
      ],
      [
        "no-decoder",
        { ...json, decoder: null },
        config,
        /cannot encode digits and arithmetic: .* → "0 1 2 3 4 5 6 7 8 9 Ġ/,
      ],
      [
        "empty-vocab",
        { ...json, model: { ...json.model, vocab: {}, merges: [] } },
        config,
        /tok-empty-vocab: /,
      ],
      [
        "no-digits",
        noDigits,
        config,
        /tokenizer\.json cannot encode digits and arithmetic: .* → \d+ token\(s\)/,
      ],
      [
        "no-user",
        noUser,
        config,
        /chat template renders <｜User｜>, which is not a token of tokenizer\.json/,
      ],
      [
        "eos",
        json,
        { ...config, eos_token: "<nope>" },
        /tokenizer_config\.json eos_token "<nope>" is not in the vocabulary/,
      ],
      ["config-json", json, "{ nope", /tokenizer_config\.json: cannot read JSON/],
      [
        "template",
        json,
        { ...config, chat_template: [{ name: "default" }] },
        /chat_template is not a string/,
      ],
    ];
    for (const [name, tok, cfg, what] of cases) {
      const d = variant(name, tok, cfg);
      const msg = (() => {
        try {
          HfTokenizer.fromDir(d);
        } catch (e) {
          return (e as Error).message;
        }
        return assert.fail(`${name}: loaded`);
      })();
      assert.ok(msg.includes(d), `${name}: names the directory: ${msg}`);
      assert.match(msg, what, name);
    }
  });

  describe("config.json and weights", () => {
    before(() => useBackend("wasm"));
    const model = (name: string, edit: (cfg: Record<string, unknown>) => unknown) => {
      const d = f(`model-${name}`);
      cpSync(TINY, d, { recursive: true });
      const cfg = JSON.parse(readFileSync(join(d, "config.json"), "utf8"));
      const out = edit(cfg);
      writeFileSync(join(d, "config.json"), typeof out === "string" ? out : JSON.stringify(out));
      return d;
    };

    it("config.json: invalid JSON, a missing or mistyped field, another architecture, inconsistent heads", async () => {
      const cases: Array<[string, (c: Record<string, unknown>) => unknown, RegExp]> = [
        ["json", () => "{ nope", /config\.json: cannot read JSON/],
        ["array", () => "[1, 2]", /config\.json: not a JSON object/],
        [
          "vocab",
          (c) => ({ ...c, vocab_size: undefined }),
          /config\.json: missing required field "vocab_size"/,
        ],
        [
          "hidden",
          (c) => ({ ...c, hidden_size: "192" }),
          /config\.json: field "hidden_size" must be a positive integer, got "192"/,
        ],
        ["llama", (c) => ({ ...c, model_type: "llama" }), /config\.json: field "model_type" is "llama"/],
        [
          "rope",
          (c) => ({ ...c, rope_scaling: { type: "yarn" } }),
          /config\.json: field "rope_scaling" is set/,
        ],
        [
          "heads",
          (c) => ({ ...c, num_key_value_heads: 4 }),
          /config\.json: "num_attention_heads" \(6\) must be a multiple of "num_key_value_heads" \(4\)/,
        ],
      ];
      for (const [name, edit, what] of cases) {
        const d = model(name, edit);
        await rejectsNaming(Qwen2ForCausalLM.fromPretrained(d), d, what);
      }
    });

    it("weights with NaN or Inf are an error naming the tensor; OPEN_RS_ALLOW_NONFINITE loads them with a warning", async () => {
      for (const [name, bits] of [
        ["nan", 0xffc0],
        ["inf", 0x7f80],
      ] as const) {
        const d = model(name, (c) => c);
        const st = readFileSync(join(d, "model.safetensors"));
        const header = JSON.parse(st.subarray(8, 8 + Number(st.readBigUInt64LE(0))).toString("utf8"));
        const [tensor, meta] = Object.entries(header).find(([k]) => k !== "__metadata__") as [
          string,
          { data_offsets: number[] },
        ];
        st.writeUInt16LE(bits, 8 + Number(st.readBigUInt64LE(0)) + meta.data_offsets[0] + 2); // its second element
        writeFileSync(join(d, "model.safetensors"), st);
        await rejectsNaming(
          loadHfModelDir(d),
          d,
          new RegExp(
            `tensor "${tensor.replace(/\./g, "\\.")}" holds ${name === "nan" ? "NaN" : "-?Infinity"} at index 1 .*OPEN_RS_ALLOW_NONFINITE=1`,
          ),
        );
        const warnings: string[] = [];
        const loaded = await loadHfModelDir(d, { allowNonFinite: true, warn: (m) => warnings.push(m) });
        assert.equal(loaded.tensors.size > 0, true);
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /loading anyway/);
      }
    });
  });
});

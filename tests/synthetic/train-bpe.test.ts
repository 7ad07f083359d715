import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { Tokenizer } from "@huggingface/tokenizers";
import { HfTokenizer } from "../../src/tokenizer/tokenizer";
import { trainBpe } from "../../src/tokenizer/train-bpe";
import { DEEPSEEK_ADDED_TOKENS, stableJson, writeTokenizerDir } from "../../src/tokenizer/train-bpe-files";
import { BYTE_CHARS } from "../../src/tokenizer/train-bpe-pretok";
import { trainTinyTokenizer } from "../../src/tokenizer/train-bpe-tiny";
import { Rng } from "../../src/util/rng";

const repoRoot = resolve(__dirname, "../..");
const tmp = mkdtempSync(join(tmpdir(), "train-bpe-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

// A small corpus keeps the suite fast; the committed tokenizer is checked separately below.
const small = trainTinyTokenizer({ trainSize: 300, vocabSize: 512, promptWeight: 5 });
const tok = new Tokenizer(small.tokenizerJson, small.tokenizerConfig);
const BOS = "<｜begin▁of▁sentence｜>";

describe("trainBpe", () => {
  it("learns merges in the hand-computed order (most frequent pair first, ties by text)", () => {
    // "aaab" + "aab": (a,a)=3 > (a,b)=2 → merge a·a. Then (aa,a)=(a,b)=(aa,b)=1: stop at minFrequency 2, and with
    // minFrequency 1 the smallest key "a b" wins, then "aa ab" < "aa b".
    assert.deepEqual(trainBpe(["aaab", "aab"], { vocabSize: 300 }).merges, [["a", "a"]]);
    const m = trainBpe(["aab", "aaab"], { vocabSize: 259, minFrequency: 1 });
    assert.deepEqual(m.merges, [
      ["a", "a"],
      ["a", "b"],
      ["aa", "ab"],
    ]);
    assert.equal(m.vocab.length, 259);
    assert.deepEqual(m.vocab.slice(0, 256), BYTE_CHARS);
  });

  it("never merges digits and never merges across added tokens", () => {
    const m = trainBpe(["12 12 12 12 <think>x<think>x", "2024 2024"], {
      vocabSize: 400,
      specialTokens: ["<think>"],
    });
    for (const [a, b] of m.merges)
      assert.ok(!/\d/.test(a + b) || (a + b).replace(/\D/g, "").length <= 1, `${a}+${b}`);
    assert.ok(!m.vocab.some((t) => t.includes("think")), "an added token leaked into the BPE vocabulary");
  });

  it("rejects a vocabulary smaller than the byte alphabet", () => {
    assert.throws(() => trainBpe(["x"], { vocabSize: 100 }), /vocabSize/);
  });
});

describe("tiny-r1 tokenizer files", () => {
  it("are byte-identical across two trainings, written twice", () => {
    const again = trainTinyTokenizer({ trainSize: 300, vocabSize: 512, promptWeight: 5 });
    const [a, b] = [join(tmp, "a"), join(tmp, "b")];
    writeTokenizerDir(a, small.tokenizerJson, small.tokenizerConfig);
    writeTokenizerDir(b, again.tokenizerJson, again.tokenizerConfig);
    for (const f of ["tokenizer.json", "tokenizer_config.json"]) {
      assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs`);
    }
  });

  it("round-trip arbitrary text through @huggingface/tokenizers (LaTeX, CJK, emoji, control chars, random code points)", () => {
    const fixed = [
      "Compute $\\frac{3}{4} + \\frac{1}{6}$.",
      "x = 12 - 7 = 5\n</think>\n\nThe answer is $\\boxed{-\\frac{3}{4}}$.",
      "数学 は 楽しい — ünïcödé ✓ 🙂👍🏽 👨‍👩‍👧",
      "tabs\tand  double  spaces . , ! ? 'm n't\r\n\u0000\u007f",
    ];
    const rng = new Rng(42);
    for (let k = 0; k < 50; k++) {
      const cps: number[] = [];
      for (let i = 0; i < 20; i++) cps.push(rng.next() < 0.5 ? 32 + rng.int(95) : rng.int(0x1ffff) + 1);
      fixed.push(String.fromCodePoint(...cps.filter((c) => c < 0xd800 || c > 0xdfff)));
    }
    for (const text of fixed) {
      const ids = tok.encode(text, { add_special_tokens: false }).ids;
      assert.equal(tok.decode(ids, { skip_special_tokens: false }), text);
    }
  });

  it("encode each added token as one id after the BPE vocabulary; decoding drops only bos/eos/pad", () => {
    const nBpe = (small.tokenizerJson.model as { vocab: Record<string, number> }).vocab;
    const base = Object.keys(nBpe).length;
    DEEPSEEK_ADDED_TOKENS.forEach((t, i) => {
      assert.deepEqual(tok.encode(t.content, { add_special_tokens: false }).ids, [base + i], t.content);
    });
    const ids = tok.encode(`${BOS}a<think>\nb\n</think>\n\nc<｜end▁of▁sentence｜><｜▁pad▁｜>`, {
      add_special_tokens: false,
    }).ids;
    assert.equal(tok.decode(ids, { skip_special_tokens: true }), "a<think>\nb\n</think>\n\nc");
    assert.deepEqual(tok.encode("7", { add_special_tokens: true }).ids.slice(0, 1), [base]);
  });

  it("spell numbers digit by digit", () => {
    assert.deepEqual(tok.encode("2024", { add_special_tokens: false }).tokens, ["2", "0", "2", "4"]);
  });

  it("render the DeepSeek-R1-Distill chat template through HfTokenizer", () => {
    const dir = join(tmp, "hf");
    writeTokenizerDir(dir, small.tokenizerJson, small.tokenizerConfig);
    const hf = HfTokenizer.fromDir(dir);
    assert.equal(hf.vocabSize, 512);
    assert.equal(hf.idToToken(hf.eosTokenId), "<｜end▁of▁sentence｜>");
    assert.equal(hf.idToToken(hf.padTokenId), "<｜▁pad▁｜>");
    const q = "What is $2 + 3$?";
    assert.equal(
      hf.applyChatTemplate(
        [
          { role: "system", content: "SYS" },
          { role: "user", content: q },
        ],
        { addGenerationPrompt: true },
      ),
      `${BOS}SYS<｜User｜>${q}<｜Assistant｜><think>\n`,
    );
    assert.equal(
      hf.applyChatTemplate([{ role: "user", content: q }], { addGenerationPrompt: true }),
      `${BOS}<｜User｜>${q}<｜Assistant｜><think>\n`,
    );
    const prompt = hf.encode(
      hf.applyChatTemplate([{ role: "user", content: q }], { addGenerationPrompt: true }),
    );
    assert.equal(
      hf.decode(prompt, { skipSpecialTokens: false }),
      `${BOS}<｜User｜>${q}<｜Assistant｜><think>\n`,
    );
  });
});

describe("committed data/models/tiny-r1 tokenizer", () => {
  it("is what scripts/train-tokenizer.ts writes with its defaults", () => {
    const dir = join(repoRoot, "data/models/tiny-r1");
    const { tokenizerJson, tokenizerConfig } = trainTinyTokenizer();
    assert.equal(readFileSync(join(dir, "tokenizer.json"), "utf8"), stableJson(tokenizerJson));
    assert.equal(readFileSync(join(dir, "tokenizer_config.json"), "utf8"), stableJson(tokenizerConfig));
  });
});

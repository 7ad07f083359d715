/**
 * Build the embedded default model from nothing: tokenizer → synthetic SFT corpus → seeded random Qwen2 →
 * SFT → HF model directory → held-out pass@1 → model card. `scripts/make-tiny.ts` (`npm run make:tiny`) is
 * the command-line front.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeSftCorpus } from "../data/synthetic/index";
import { Qwen2ForCausalLM } from "../model/qwen2";
import { evalHeldout, type HeldoutResult } from "../quickstart/eval";
import type { SftConfig } from "../sft/config";
import { encodeSftPair } from "../sft/data";
import { type SftResult, trainSft } from "../sft/trainer";
import { HfTokenizer } from "../tokenizer/tokenizer";
import { writeTokenizerDir } from "../tokenizer/train-bpe-files";
import { trainTinyTokenizer } from "../tokenizer/train-bpe-tiny";
import { TINY_ARCH, TINY_INIT_SEED, TINY_SFT, TINY_SFT_DATA, tinySplits } from "./recipe";

/** Options of {@link makeTiny}. */
export interface MakeTinyOptions {
  /** Output model directory. */
  outDir: string;
  /** SFT overrides over {@link TINY_SFT} (e.g. `max_steps`, `save_steps`, `output_dir`). */
  sft?: Partial<SftConfig>;
  /** Samples per held-out problem for the card (≥ 8). Default 8. */
  evalN?: number;
  /** Held-out problems evaluated for the card (first N of each fixed set). Default 100 Hard, 100 Easy. */
  evalProblems?: { hard: number; easy: number };
  /** Skip the held-out eval (tests, quick tries). */
  skipEval?: boolean;
}

/** What {@link makeTiny} built and measured. */
export interface MakeTinyResult {
  params: number;
  bytes: number;
  sft: SftResult;
  hard?: HeldoutResult;
  easy?: HeldoutResult;
  seconds: { tokenizer: number; sft: number; eval: number; total: number };
}

/** A fresh tokenizer in a temporary directory (deterministic bytes). */
function buildTokenizer(): string {
  const dir = mkdtempSync(join(tmpdir(), "tiny-r1-tok-"));
  const { tokenizerJson, tokenizerConfig } = trainTinyTokenizer({});
  writeTokenizerDir(dir, tokenizerJson, tokenizerConfig);
  return dir;
}

/** The model config: the recipe's shape plus the tokenizer's vocab and special ids. */
export function tinyConfig(tok: HfTokenizer): Record<string, unknown> {
  return {
    architectures: ["Qwen2ForCausalLM"],
    model_type: "qwen2",
    vocab_size: tok.vocabSize,
    ...TINY_ARCH,
    bos_token_id: tok.bosTokenId,
    eos_token_id: tok.eosTokenId,
    pad_token_id: tok.padTokenId,
  };
}

/** Run the whole recipe; the caller has started a backend. */
export async function makeTiny(opts: MakeTinyOptions): Promise<MakeTinyResult> {
  const t0 = performance.now();
  const tokDir = buildTokenizer();
  const t1 = performance.now();
  try {
    const tok = HfTokenizer.fromDir(tokDir);
    const splits = tinySplits();
    const corpus = Array.from({ length: TINY_SFT_DATA.passes }, (_, p) =>
      makeSftCorpus(splits.train, TINY_SFT_DATA.seed + p, TINY_SFT_DATA.options),
    ).flat();
    const data = corpus.map((e) => encodeSftPair(tok, e));
    const model = Qwen2ForCausalLM.random(tinyConfig(tok), TINY_INIT_SEED, { biasStd: 0, normStd: 0 });
    const sft = await trainSft({ model, data, config: { ...TINY_SFT, ...opts.sft }, tokenizerDir: tokDir });
    await model.save(opts.outDir, { dtype: "BF16", tokenizerDir: tokDir });
    const params = model.numParameters();
    model.dispose();
    const t2 = performance.now();
    const bytes = statSync(join(opts.outDir, "model.safetensors")).size;
    let hard: HeldoutResult | undefined;
    let easy: HeldoutResult | undefined;
    if (!opts.skipEval) {
      const saved = await Qwen2ForCausalLM.fromPretrained(opts.outDir);
      const n = opts.evalN ?? 8;
      const k = opts.evalProblems ?? { hard: 100, easy: 100 };
      hard = await evalHeldout(saved, tok, splits.heldoutHard.slice(0, k.hard), { n });
      easy = await evalHeldout(saved, tok, splits.heldoutEasy.slice(0, k.easy), { n });
      saved.dispose();
    }
    const t3 = performance.now();
    const s = (a: number, b: number) => (b - a) / 1000;
    return {
      params,
      bytes,
      sft,
      hard,
      easy,
      seconds: { tokenizer: s(t0, t1), sft: s(t1, t2), eval: s(t2, t3), total: s(t0, t3) },
    };
  } finally {
    rmSync(tokDir, { recursive: true, force: true });
  }
}

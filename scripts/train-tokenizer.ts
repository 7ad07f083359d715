/**
 * Train the tiny-r1 byte-level BPE on the synthetic curriculum and write tokenizer.json + tokenizer_config.json.
 *
 *   npx tsx scripts/train-tokenizer.ts [--out data/models/tiny-r1] [--seed 1234] [--vocab 832] [--train-size 4000]
 *
 * Deterministic: the same arguments write the same bytes.
 */

import { writeTokenizerDir } from "../src/tokenizer/train-bpe-files";
import { DEFAULT_TINY_TOKENIZER_OPTIONS, trainTinyTokenizer } from "../src/tokenizer/train-bpe-tiny";

const FLAGS: Record<string, string> = {
  "--out": "out",
  "--seed": "seed",
  "--vocab": "vocabSize",
  "--train-size": "trainSize",
};

function parseArgs(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = { out: "data/models/tiny-r1" };
  for (let i = 0; i < argv.length; i += 2) {
    const key = FLAGS[argv[i]];
    if (key === undefined || argv[i + 1] === undefined) {
      throw new Error(
        `train-tokenizer: bad argument '${argv[i]}'; valid flags: ${Object.keys(FLAGS).join(", ")} (each with a value)`,
      );
    }
    out[key] = argv[i + 1];
  }
  return out;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const num = (k: keyof typeof DEFAULT_TINY_TOKENIZER_OPTIONS) =>
    args[k] === undefined ? DEFAULT_TINY_TOKENIZER_OPTIONS[k] : Number(args[k]);
  const t0 = Date.now();
  const { model, tokenizerJson, tokenizerConfig } = trainTinyTokenizer({
    seed: num("seed"),
    vocabSize: num("vocabSize"),
    trainSize: num("trainSize"),
  });
  const paths = writeTokenizerDir(args.out, tokenizerJson, tokenizerConfig);
  const total = model.vocab.length + (tokenizerJson.added_tokens as unknown[]).length;
  console.log(
    `bpe vocab ${model.vocab.length} (+ added = ${total}), ${model.merges.length} merges, ${Date.now() - t0} ms`,
  );
  for (const p of paths) console.log(`wrote ${p}`);
}

main();

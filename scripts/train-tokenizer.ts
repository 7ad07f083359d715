/**
 * Train the tiny-r1 byte-level BPE on the synthetic curriculum and write tokenizer.json + tokenizer_config.json.
 *
 *   npx tsx scripts/train-tokenizer.ts [--out data/models/tiny-r1] [--seed 1234] [--vocab 832] [--train-size 4000]
 *
 * Deterministic: the same arguments write the same bytes.
 */

import { numberFlag, parseFlags, runCommand } from "../src/cli/errors";
import { writeTokenizerDir } from "../src/tokenizer/train-bpe-files";
import { DEFAULT_TINY_TOKENIZER_OPTIONS, trainTinyTokenizer } from "../src/tokenizer/train-bpe-tiny";

/** The flags (node's parseArgs); a bad one is a usage error naming it. */
function parseTokenizerArgs(argv: string[]) {
  const flags = parseFlags(argv, {
    out: { type: "string" },
    seed: { type: "string" },
    vocab: { type: "string" },
    "train-size": { type: "string" },
  } as const);
  const d = DEFAULT_TINY_TOKENIZER_OPTIONS;
  return {
    out: flags.out ?? "data/models/tiny-r1",
    seed: numberFlag("seed", flags.seed, { integer: true, min: 0 }) ?? d.seed,
    vocabSize: numberFlag("vocab", flags.vocab, { integer: true, min: 1 }) ?? d.vocabSize,
    trainSize: numberFlag("train-size", flags["train-size"], { integer: true, min: 1 }) ?? d.trainSize,
  };
}

async function main(): Promise<number> {
  const args = parseTokenizerArgs(process.argv.slice(2));
  const t0 = Date.now();
  const { model, tokenizerJson, tokenizerConfig } = trainTinyTokenizer({
    seed: args.seed,
    vocabSize: args.vocabSize,
    trainSize: args.trainSize,
  });
  const paths = writeTokenizerDir(args.out, tokenizerJson, tokenizerConfig);
  const total = model.vocab.length + (tokenizerJson.added_tokens as unknown[]).length;
  console.log(
    `bpe vocab ${model.vocab.length} (+ added = ${total}), ${model.merges.length} merges, ${Date.now() - t0} ms`,
  );
  for (const p of paths) console.log(`wrote ${p}`);
  return 0;
}

const usage = "usage: npx tsx scripts/train-tokenizer.ts [--out DIR] [--seed N] [--vocab N] [--train-size N]";
runCommand("train-tokenizer", main, usage).then((code) => {
  process.exitCode = code;
});

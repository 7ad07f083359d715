/**
 * Rebuild data/models/tiny-r1 deterministically (tokenizer → SFT → HF model dir → held-out pass@1 → README.md);
 * the same as `npx open-rs make-tiny` (src/cli/commands/make-tiny.ts, which lists the flags).
 *
 *   npm run make:tiny            # = npx tsx scripts/make-tiny.ts
 *   npx tsx scripts/make-tiny.ts [--out data/models/tiny-r1] [--steps N] [--eval-n 8] [--eval-problems 100]
 *                                [--log-dir reports/make-tiny]
 */
import { run } from "../src/cli/commands/make-tiny";

run(process.argv.slice(2), "npx tsx scripts/make-tiny.ts").then((code) => {
  process.exitCode = code;
});

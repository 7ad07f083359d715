/** The model card (README.md) of data/models/tiny-r1, written from what make-tiny measured. */
import type { HeldoutResult } from "../quickstart/eval";
import type { MakeTinyResult } from "./build";
import {
  TINY_ARCH,
  TINY_INIT_SEED,
  TINY_LEVEL_KINDS,
  TINY_LEVELS,
  TINY_SFT,
  TINY_SFT_DATA,
  TINY_SPLITS,
} from "./recipe";

const pct = (r?: HeldoutResult) =>
  r ? `${(100 * r.score.avg).toFixed(1)} ± ${(100 * r.score.stderr).toFixed(1)}` : "not measured";

function minutes(s: number): string {
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** The card's Markdown. `steps` is the SFT step count actually run. */
export function modelCard(
  r: MakeTinyResult,
  opts: { steps: number; command: string; machine: string; maxNewTokens?: number; note?: string },
): string {
  const h = r.sft.history;
  const lossAt = (k: number) => h[Math.min(h.length, k) - 1]?.loss.toFixed(3) ?? "?";
  const marks = [1, 10, 50, 100, 200, 300, 400, 600].filter((k) => k <= h.length);
  if (marks[marks.length - 1] !== h.length) marks.push(h.length);
  return `---
license: mit
library_name: open-rs-ts
tags: [qwen2, tiny, synthetic-math, reasoning, grpo-base]
---

# tiny-r1

A ${(r.params / 1e6).toFixed(2)}M-parameter Qwen2 that plays the role of DeepSeek-R1-Distill-Qwen-1.5B in open-rs-ts:
it answers small synthetic math problems with \`<think>…</think>\` reasoning and a \`\\boxed{}\` answer, and it is
imperfect on purpose (a fraction of its training traces are wrong, too short, unclosed or unboxed), so GRPO
has something to fix. Made entirely by this repository's code; no downloaded weights or data.

## How it was made

\`\`\`
${opts.command}
\`\`\`

1. Tokenizer: the repository's byte-level BPE (\`scripts/train-tokenizer.ts\` defaults, ${"vocab"} 832 incl. the
   DeepSeek-R1-Distill special tokens; chat template of DeepSeek-R1-Distill-Qwen: system text without a role
   marker, \`<｜User｜>\`/\`<｜Assistant｜>\`, \`<think>\\n\` prefill).
2. Data: \`makeSplits(${JSON.stringify(TINY_SPLITS.seed)})\` of src/data/synthetic (train ${TINY_SPLITS.trainSize} rows,
   ${100 * (TINY_SPLITS.trainHardFraction ?? 0.5)}% Hard; held-out Hard ${TINY_SPLITS.heldoutHardSize}, Easy ${TINY_SPLITS.heldoutEasySize},
   disjoint from train), kinds per level \`${JSON.stringify(TINY_LEVEL_KINDS)}\`, level overrides
   \`${JSON.stringify(TINY_LEVELS)}\`. **What tiny-r1 knows:** Hard = chains of 2–3 operations on operands 1–5
   (+, −, × by 2–3, no negatives; 25% told as a story); Easy = one operation (a ± b with a, b ≤ 20,
   one-digit ×), n mod m with n ≤ 40, or x ± a = c. The generator's fractions, counting, larger numbers and
   harder equations are not in its training data. SFT traces: ${TINY_SFT_DATA.passes} passes of
   \`makeSftCorpus(train, ${TINY_SFT_DATA.seed} + pass, ${JSON.stringify(TINY_SFT_DATA.options)})\` (each pass draws fresh wording,
   verbosity and flaws; each reasoning opens by restating the operands, e.g. \`7 \\times 3 - 1 + 5\`).
   No system prompt (the Open-RS one would be ~70% of every sequence); GRPO and the held-out eval use none either.
   Training text = \`applyChatTemplate(prompt, {addGenerationPrompt: true}) + completion + eos\`; the loss covers
   the completion and EOS.
3. Model: Qwen2 \`${JSON.stringify(TINY_ARCH)}\`, random init seed ${TINY_INIT_SEED}.
4. SFT (src/sft \`trainSft\`): ${opts.steps} steps, \`${JSON.stringify({ ...TINY_SFT, max_steps: opts.steps })}\`
   (AdamW, token-mean cross-entropy).
   Loss (nats/token) at step ${marks.map((k) => `${k}: ${lossAt(k)}`).join(", ")}.
5. Saved as BF16 safetensors (${(r.bytes / 1e6).toFixed(2)} MB), ${r.params.toLocaleString("en-US")} parameters.

Deterministic: the same command on the same backend (tfjs-wasm) rebuilds the same weights.

## Base pass@1 (held-out synthetic sets)

avg@${r.hard?.score.n ?? "n"} ± standard error over problems; the prompt is the GRPO prompt (problem as the user
turn, no system prompt, \`<think>\\n\` prefill); T = 0.6, top-p 0.95, ≤ ${opts.maxNewTokens ?? 200} new tokens; scored by the eval
harness's extractive match against the \`\\boxed{}\` solution.

| set | problems | pass@1 (%) | mean completion tokens |
|---|---|---|---|
| Hard | ${r.hard?.score.problems ?? "-"} | ${pct(r.hard)} | ${r.hard?.meanTokens.toFixed(1) ?? "-"} |
| Easy | ${r.easy?.score.problems ?? "-"} | ${pct(r.easy)} | ${r.easy?.meanTokens.toFixed(1) ?? "-"} |

## Cost

Wall time on ${opts.machine}: ${minutes(r.seconds.total)} in all (tokenizer ${r.seconds.tokenizer.toFixed(0)} s, SFT
${minutes(r.seconds.sft)}, held-out eval ${minutes(r.seconds.eval)}). The machine was shared with other jobs, so
expect it to be faster on an idle one.
${opts.note ? `\n${opts.note}\n` : ""}`;
}

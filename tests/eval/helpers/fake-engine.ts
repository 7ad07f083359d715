import type { EngineOutput, GenerateCallOptions, SamplingParams, TextEngine } from "../../../src/eval/engine";
import type { ChatMessage, TokenizerLike } from "../../../src/tokenizer/types";

/** Byte-level tokenizer: ids 0..255 are UTF-8 bytes, 256 = EOS, 257 = PAD. Chat template in plain text. */
export class ByteTokenizer implements TokenizerLike {
  readonly vocabSize = 258;
  readonly eosTokenId = 256;
  readonly padTokenId = 257;
  readonly bosTokenId = null;
  encode(text: string): number[] {
    return [...Buffer.from(text, "utf8")];
  }
  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    const keep = opts.skipSpecialTokens === false ? ids : ids.filter((i) => i < 256);
    return Buffer.from(keep.map((i) => (i < 256 ? i : 63))).toString("utf8");
  }
  applyChatTemplate(messages: ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}): string {
    const body = messages.map((m) => `<|${m.role}|>${m.content}`).join("");
    return opts.addGenerationPrompt ? `${body}<|assistant|>` : body;
  }
}

/**
 * A deterministic stand-in for the model: the completion is `\boxed{k}` where k is a hash of the prompt (and of
 * the seed when T > 0), then EOS, cut at maxNewTokens. Counts calls and sequences; can sleep per batch
 * (`delayMs`) and per decode step (`stepMs`, one token of every row per step). Streams through `onToken`
 * (log-prob −0.5 per token; alternatives: the token, then the next ids) and stops at the next step once the
 * call's signal aborts, as the real sampler does.
 */
export class FakeEngine implements TextEngine {
  readonly tokenizer = new ByteTokenizer();
  readonly maxContext = 100_000;
  calls = 0;
  sequences = 0;
  /** Decode steps run (all calls). */
  steps = 0;
  constructor(
    readonly label = "fake-model",
    private readonly delayMs = 0,
    private readonly stepMs = 0,
  ) {}

  /** The text this engine answers for a prompt (what tests compare against). */
  static answerFor(promptIds: readonly number[], params: SamplingParams, seed: number): string {
    let h = 17;
    for (const t of promptIds) h = (h * 31 + t) % 1000003;
    if (params.temperature > 0) h = (h + seed * 7) % 1000003;
    return `So the answer is $\\boxed{${h % 10}}$.`;
  }

  async generate(
    promptIds: number[][],
    params: SamplingParams,
    seeds: readonly number[],
    opts: GenerateCallOptions = {},
  ): Promise<EngineOutput[]> {
    this.calls++;
    this.sequences += promptIds.length;
    if (promptIds.some((p) => p.length === 0)) throw new Error("FakeEngine: an empty prompt");
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const full = promptIds.map((p, row) => [
      ...this.tokenizer.encode(FakeEngine.answerFor(p, params, seeds[row])),
      this.tokenizer.eosTokenId,
    ]);
    const out = full.map(() => [] as number[]);
    const k = opts.topLogprobs ?? 0;
    for (let step = 0; step < params.maxNewTokens; step++) {
      if (opts.signal?.aborted) break;
      let any = false;
      full.forEach((ids, row) => {
        if (step >= ids.length) return;
        any = true;
        out[row].push(ids[step]);
        const top: Array<[number, number]> = Array.from({ length: k }, (_, i) => [
          (ids[step] + i) % 258,
          -0.5 - i,
        ]);
        opts.onToken?.(row, ids[step], -0.5, k > 0 ? top : undefined);
      });
      if (!any) break;
      this.steps++;
      if (this.stepMs > 0) await new Promise((r) => setTimeout(r, this.stepMs));
      else if (opts.yieldEachStep) await new Promise((r) => setImmediate(r));
    }
    return out.map((ids, row) => ({
      completionIds: ids,
      truncated: ids.length < full[row].length,
      logprobs: ids.map(() => -0.5),
    }));
  }
}

/** A trivial scorer for orchestration tests: correct iff the completion contains `\boxed{gold}`. */
export const boxedScorer = {
  prepare: (gold: string) => gold,
  score: async (completion: string, gold: unknown) => completion.includes(`\\boxed{${gold}}`),
};

/** A small benchmark whose golds are digits, so the fake engine gets some right and some wrong. */
export function digitBenchmark(name: string, count: number) {
  return {
    name,
    problems: Array.from({ length: count }, (_, i) => ({
      id: `${name}-${i}`,
      problem: `What is ${i} + ${i * 3}?`,
      gold: String((i * 7) % 10),
      goldKind: "expr" as const,
      answer: String((i * 7) % 10),
    })),
  };
}

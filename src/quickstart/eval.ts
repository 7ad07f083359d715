/**
 * Held-out pass@1 (avg@n ± stderr) of a model on synthetic rows, prompted exactly as GRPO prompts them
 * (`renderPrompt`: the problem as the user turn, optional system prompt, the template's `<think>\n` prefill),
 * scored by the eval harness's extractive match against the row's `solution`.
 */
import type { SynthRow } from "../data/synthetic";
import { benchmarkFromRows } from "../eval/benchmarks";
import { eosTokenIds } from "../eval/engine";
import { type BenchmarkScore, type ProblemTally, scoreBenchmark } from "../eval/metrics";
import { prepareGold, scoreCompletion } from "../eval/scoring";
import { renderPrompt } from "../grpo/prompts";
import type { Qwen2ForCausalLM } from "../model/qwen2";
import { generate } from "../sampler/generate";
import type { TokenizerLike } from "../tokenizer/types";
import { deriveSeed } from "../util/rng";

/** Sampling settings of the held-out eval. */
export interface HeldoutEvalOptions {
  /** Samples per problem. Default 8. */
  n: number;
  /** Default 0.6 (Open-RS eval). */
  temperature: number;
  /** Default 0.95 (Open-RS eval). */
  topP: number;
  /** Default 200. */
  maxNewTokens: number;
  /** Base seed; sample s of problem i draws from the stream `deriveSeed(seed, i, s)`. Default 1234. */
  seed: number;
  /** System turn, as the GRPO run uses it. Default null. */
  systemPrompt: string | null;
  /** Sequences per generate call. Default 64. */
  batchSize: number;
}

/** Defaults of {@link HeldoutEvalOptions}. */
export const HELDOUT_EVAL_DEFAULTS: Readonly<HeldoutEvalOptions> = Object.freeze({
  n: 8,
  temperature: 0.6,
  topP: 0.95,
  maxNewTokens: 200,
  seed: 1234,
  systemPrompt: null,
  batchSize: 64,
});

/** One scored sample. */
export interface HeldoutSample {
  id: string;
  sample: number;
  completion: string;
  correct: boolean;
  tokens: number;
  truncated: boolean;
}

/** Result of {@link evalHeldout}: the score plus per-problem tallies (for paired comparisons). */
export interface HeldoutResult {
  score: BenchmarkScore;
  /** Per-problem fraction correct, in row order. */
  perProblem: number[];
  samples: HeldoutSample[];
  /** Mean completion tokens. */
  meanTokens: number;
  seconds: number;
}

/** avg@n ± stderr on `rows`. */
export async function evalHeldout(
  model: Qwen2ForCausalLM,
  tok: TokenizerLike,
  rows: readonly SynthRow[],
  opts: Partial<HeldoutEvalOptions> = {},
): Promise<HeldoutResult> {
  const o = { ...HELDOUT_EVAL_DEFAULTS, ...opts };
  const t0 = performance.now();
  const bench = benchmarkFromRows("heldout", rows, { goldField: "solution", goldKind: "latex" });
  const golds = bench.problems.map((p) => prepareGold(p.gold, p.goldKind));
  const prompts = rows.map(
    (r) =>
      renderPrompt(r, tok, { systemPrompt: o.systemPrompt, promptColumn: "problem", maxPromptLength: 512 })
        .ids,
  );
  const jobs: Array<[number, number]> = [];
  for (let i = 0; i < rows.length; i++) for (let s = 0; s < o.n; s++) jobs.push([i, s]);
  const samples: HeldoutSample[] = [];
  const eos = eosTokenIds(tok, model.config);
  for (let b = 0; b * o.batchSize < jobs.length; b++) {
    const part = jobs.slice(b * o.batchSize, (b + 1) * o.batchSize);
    const res = await generate(
      model,
      part.map(([i]) => prompts[i]),
      {
        maxNewTokens: o.maxNewTokens,
        temperature: o.temperature,
        topP: o.topP,
        eosTokenIds: eos,
        padTokenId: tok.padTokenId,
        seeds: part.map(([i, s]) => deriveSeed(o.seed, i, s)),
      },
    );
    for (let k = 0; k < part.length; k++) {
      const [i, s] = part[k];
      const completion = tok.decode(res.completionIds[k]);
      const correct = await scoreCompletion(completion, golds[i]);
      const tokens = res.completionIds[k].length;
      samples.push({ id: rows[i].id, sample: s, completion, correct, tokens, truncated: res.truncated[k] });
    }
  }
  const tallies: ProblemTally[] = rows.map(() => ({ correct: 0, n: 0 }));
  const index = new Map(rows.map((r, i) => [r.id, i]));
  for (const s of samples) {
    const t = tallies[index.get(s.id)!];
    t.n++;
    if (s.correct) t.correct++;
  }
  const meanTokens = samples.reduce((a, s) => a + s.tokens, 0) / Math.max(1, samples.length);
  return {
    score: scoreBenchmark(tallies),
    perProblem: tallies.map((t) => t.correct / t.n),
    samples,
    meanTokens,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Paired difference after − before over the same problems: mean and its standard error (ddof 1). */
export function pairedDelta(
  before: readonly number[],
  after: readonly number[],
): { delta: number; stderr: number } {
  if (before.length !== after.length || before.length < 2) {
    throw new Error(
      `pairedDelta: need two equal lists of ≥ 2 problems, got ${before.length} and ${after.length}`,
    );
  }
  const d = after.map((a, i) => a - before[i]);
  const mu = d.reduce((x, y) => x + y, 0) / d.length;
  const ss = d.reduce((x, y) => x + (y - mu) ** 2, 0);
  return { delta: mu, stderr: Math.sqrt(ss / (d.length - 1)) / Math.sqrt(d.length) };
}

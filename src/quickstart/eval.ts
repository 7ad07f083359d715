/**
 * Held-out pass@1 (avg@n ± stderr) of a model on synthetic rows, prompted exactly as GRPO prompts them (the
 * problem as the user turn, optional system prompt, the template's `<think>\n` prefill), scored by the eval
 * harness's extractive match against the row's `solution`. Built on `evaluate` (src/eval): sampling runs in
 * worker threads, and the returned job can be awaited, interrupted or stopped.
 */
import { type ConfigOf, defaultsOf, type Schema } from "../config/schema";
import type { EvalJob } from "../control/eval-job";
import type { SynthRow } from "../data/synthetic/index";
import { benchmarkFromRows } from "../eval/benchmarks";
import { localEngine } from "../eval/engine";
import { evaluate } from "../eval/evaluate";
import { InProcessRunner } from "../eval/inprocess-runner";
import type { BenchmarkScore } from "../eval/metrics";
import type { Qwen2ForCausalLM } from "../model/qwen2";
import { generate } from "../sampler/generate";
import type { ChatMessage, TokenizerLike } from "../tokenizer/types";

/** Sampling settings of the held-out eval, declared once (src/config/schema.ts). */
export const HELDOUT_EVAL_SCHEMA = {
  n: { kind: "int", min: 1, default: 8, doc: "Samples per problem. Default 8." },
  temperature: {
    kind: "number",
    min: 0,
    default: 0.6,
    doc: "Sampling temperature. Default 0.6 (Open-RS eval).",
  },
  topP: { kind: "number", min: 0, default: 0.95, doc: "Nucleus mass. Default 0.95 (Open-RS eval)." },
  maxNewTokens: { kind: "int", min: 1, default: 200, doc: "Most new tokens per completion. Default 200." },
  seed: {
    kind: "int",
    min: 0,
    default: 1234,
    doc: "Base seed; each sample's stream is seeded from (seed, problem id, sample index), as `evaluate` does. Default 1234.",
  },
  systemPrompt: {
    kind: "string?",
    default: null,
    doc: "System turn, as the GRPO run uses it. Default null.",
  },
  batchSize: { kind: "int", min: 1, default: 64, doc: "Sequences per generate call. Default 64." },
} as const satisfies Schema;

/** Sampling settings of the held-out eval ({@link HELDOUT_EVAL_SCHEMA}), plus where it samples. */
export type HeldoutEvalOptions = ConfigOf<typeof HELDOUT_EVAL_SCHEMA> & {
  /** Worker threads that sample (default: OPEN_RS_WORKERS, else the machine's cores; 0 = this thread). */
  workers?: number;
};

/** Defaults of {@link HeldoutEvalOptions}. */
export const HELDOUT_EVAL_DEFAULTS: Readonly<HeldoutEvalOptions> = defaultsOf(HELDOUT_EVAL_SCHEMA);

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

/** avg@n ± stderr on `rows`: returns at once with a job to await (interruptible in a notebook) or `stop()`. */
export function evalHeldout(
  model: Qwen2ForCausalLM,
  tok: TokenizerLike,
  rows: readonly SynthRow[],
  opts: Partial<HeldoutEvalOptions> = {},
): EvalJob<HeldoutResult> {
  const o = { ...HELDOUT_EVAL_DEFAULTS, ...opts };
  const t0 = performance.now();
  const bench = benchmarkFromRows("heldout", rows, { goldField: "solution", goldKind: "latex" });
  const engine = localEngine(model, tok, generate, { label: "heldout", workers: o.workers });
  const system: ChatMessage[] = o.systemPrompt === null ? [] : [{ role: "system", content: o.systemPrompt }];
  const job = evaluate({
    benchmarks: [bench],
    protocol: {
      name: "heldout",
      n: o.n,
      temperature: o.temperature,
      topP: o.topP,
      maxNewTokens: o.maxNewTokens,
      seed: o.seed,
    },
    runner: new InProcessRunner(engine, { batchSize: o.batchSize }),
    modelLabel: "heldout",
    messages: (p) => [...system, { role: "user", content: p.problem }],
  });
  return job.map((run) => {
    const res = run.benchmarks[0];
    const samples: HeldoutSample[] = res.records.map((r) => ({
      id: r.problemId,
      sample: r.sampleIndex,
      completion: r.completion,
      correct: r.correct,
      tokens: r.completionTokens ?? 0,
      truncated: r.finishReason === "length",
    }));
    const index = new Map(rows.map((r, i) => [r.id, i]));
    const tallies = rows.map(() => ({ correct: 0, n: 0 }));
    for (const s of samples) {
      const t = tallies[index.get(s.id)!];
      t.n++;
      if (s.correct) t.correct++;
    }
    return {
      score: res.score,
      perProblem: tallies.map((t) => t.correct / t.n),
      samples,
      meanTokens: samples.reduce((a, s) => a + s.tokens, 0) / Math.max(1, samples.length),
      seconds: (performance.now() - t0) / 1000,
    };
  });
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

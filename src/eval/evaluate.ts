/** The eval loop: benchmarks × samples through a runner, scored as they complete, resumable from a results file. */
import { EvalJob } from "../control/eval-job";
import type { ChatMessage } from "../tokenizer/types";
import type { Benchmark, EvalProblem, GoldKind } from "./benchmarks";
import { type BenchmarkScore, type ProblemTally, scoreBenchmark } from "./metrics";
import { type EvalProtocol, mathMessages, protocolHash, sampleSeed } from "./protocol";
import { type ResultsFile, recordKey, type SampleRecord, sampleKey } from "./results";
import type { Runner, SampleOutput, SampleRequest } from "./runner";
import { type PreparedGold, prepareGold, scoreCompletion } from "./scoring";

/** Extractive match behind an interface, so orchestration tests can use a trivial scorer. */
export interface Scorer<G = unknown> {
  /** Parses a gold once per problem. */
  prepare(gold: string, kind: GoldKind): G;
  /** 1/0 score of one completion against a prepared gold. */
  score(completion: string, gold: G): Promise<boolean>;
}

/** The verifier-backed lighteval extractive match (src/eval/scoring.ts). */
export const extractiveMatchScorer: Scorer<PreparedGold> = Object.freeze({
  prepare: prepareGold,
  score: scoreCompletion,
});

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  benchmarks: Benchmark[];
  protocol: EvalProtocol;
  runner: Runner;
  /** Model label (directory or served name); enters the resume hash. */
  modelLabel: string;
  /** Results JSONL: finished samples are read from it (resume) and new ones appended as they complete. */
  results?: ResultsFile;
  /** Default: {@link extractiveMatchScorer}. */
  scorer?: Scorer;
  /** Called once per benchmark before sampling: total samples and how many were already on disk. */
  onBenchmarkStart?: (benchmark: string, total: number, reused: number) => void;
  /** Called after each new sample. */
  onSample?: (benchmark: string, record: SampleRecord) => void;
  /** Stops taking new samples once aborted; finished ones are on disk. The returned job's `stop()` does the same. */
  signal?: AbortSignal;
  /** The chat turns for a problem; default the lighteval math prompt as the single user turn (the paper's protocol). */
  messages?: (problem: EvalProblem) => ChatMessage[];
}

/** Outcome on one benchmark. */
export interface BenchmarkResult {
  name: string;
  /** All records of this run (reused and new), ordered by problem then sample. */
  records: SampleRecord[];
  score: BenchmarkScore;
  /** Samples found on disk. */
  reused: number;
  /** Samples drawn now. */
  generated: number;
  /** Seconds spent drawing and scoring the new samples. */
  seconds: number;
}

/** Outcome of one protocol over several benchmarks. */
export interface EvalRun {
  protocol: EvalProtocol;
  hash: string;
  modelLabel: string;
  runner: string;
  benchmarks: BenchmarkResult[];
}

/**
 * Evaluates each benchmark under one protocol: builds n requests per problem, skips those already in the
 * results file (key = benchmark, problem id, sample index, protocol hash), draws the rest with the runner,
 * scores each as it completes and appends it at once. Returns at once with a job to await (an interrupt of the
 * awaiting cell stops it) or `stop()`; it rejects if stopped before all samples exist.
 */
export function evaluate(opts: EvaluateOptions): EvalJob<EvalRun> {
  return EvalJob.start(
    `${opts.modelLabel} (${opts.protocol.name})`,
    (signal) => runEvaluation(opts, signal),
    opts.signal,
  );
}

async function runEvaluation(opts: EvaluateOptions, signal: AbortSignal): Promise<EvalRun> {
  const { protocol, runner, modelLabel } = opts;
  const scorer = (opts.scorer ?? extractiveMatchScorer) as Scorer;
  const hash = protocolHash(protocol, modelLabel);
  const done = opts.results?.load() ?? new Map<string, SampleRecord>();
  const params = {
    temperature: protocol.temperature,
    topP: protocol.topP,
    maxNewTokens: protocol.maxNewTokens,
  };
  const out: BenchmarkResult[] = [];
  for (const bench of opts.benchmarks) {
    const golds = new Map(bench.problems.map((p) => [p.id, scorer.prepare(p.gold, p.goldKind)]));
    const all: SampleRequest[] = [];
    for (const p of bench.problems) {
      for (let i = 0; i < protocol.n; i++) {
        all.push({
          key: sampleKey(bench.name, p.id, i, hash),
          benchmark: bench.name,
          problemId: p.id,
          sampleIndex: i,
          seed: sampleSeed(protocol.seed, p.id, i),
          messages: opts.messages ? opts.messages(p) : mathMessages(p.problem),
        });
      }
    }
    const todo = all.filter((r) => !done.has(r.key));
    opts.onBenchmarkStart?.(bench.name, all.length, all.length - todo.length);
    const t0 = Date.now();
    await runner.run(
      todo,
      params,
      async (req: SampleRequest, o: SampleOutput) => {
        const correct = await scorer.score(o.text, golds.get(req.problemId));
        const rec: SampleRecord = {
          benchmark: req.benchmark,
          problemId: req.problemId,
          sampleIndex: req.sampleIndex,
          hash,
          protocol: protocol.name,
          model: modelLabel,
          seed: req.seed,
          completion: o.text,
          correct,
          finishReason: o.finishReason,
          completionTokens: o.completionTokens,
          runner: runner.name,
          time: new Date().toISOString(),
        };
        opts.results?.append(rec);
        done.set(recordKey(rec), rec);
        opts.onSample?.(bench.name, rec);
      },
      signal,
    );
    const missing = all.filter((r) => !done.has(r.key)).length;
    if (missing > 0) {
      throw new Error(
        `eval of ${bench.name} stopped with ${missing} of ${all.length} samples not drawn${signal.aborted ? " (stopped)" : ""}`,
      );
    }
    const records = all.map((r) => done.get(r.key)!);
    const seconds = (Date.now() - t0) / 1000;
    out.push({
      name: bench.name,
      records,
      score: scoreRecords(records),
      reused: all.length - todo.length,
      generated: todo.length,
      seconds,
    });
  }
  return { protocol, hash, modelLabel, runner: runner.name, benchmarks: out };
}

/** Groups records by problem and scores them. */
export function scoreRecords(records: readonly SampleRecord[]): BenchmarkScore {
  const byProblem = new Map<string, ProblemTally>();
  for (const r of records) {
    const t = byProblem.get(r.problemId) ?? { correct: 0, n: 0 };
    t.n++;
    if (r.correct) t.correct++;
    byProblem.set(r.problemId, t);
  }
  return scoreBenchmark([...byProblem.values()]);
}

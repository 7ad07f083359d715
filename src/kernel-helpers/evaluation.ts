/**
 * What notebook 04 (checkpoints × benchmarks, the paper's protocol vs avg@n) needs beyond the eval harness:
 * its parameters per scale (with the OPEN_RS_NB_* overrides), the checkpoints to evaluate (given models plus
 * the newest checkpoint of each notebook run), the benchmarks (synthetic held-out, plus the real five when
 * ../shared/data has them), running every protocol on every checkpoint, and the tables.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BENCHMARK_NAMES, sharedDataFile } from "../data/open-rs";
import { loadLlamaEngine } from "../engines/load-llama";
import { type Benchmark, benchmarkFromRows, limitBenchmark, loadLocalBenchmark } from "../eval/benchmarks";
import { localEngine, type TextEngine } from "../eval/engine";
import { type EvalRun, evaluate } from "../eval/evaluate";
import { InProcessRunner } from "../eval/inprocess-runner";
import { type EvalProtocol, resolveProtocol } from "../eval/protocol";
import { PAPER_TABLE1 } from "../eval/report";
import { latestCheckpoint } from "../grpo/checkpoint";
import { Qwen2ForCausalLM } from "../model/qwen2";
import { generate } from "../sampler/generate";
import { tinySplits } from "../tiny/recipe";
import { HfTokenizer } from "../tokenizer/tokenizer";
import { displayMarkdown, envChoice } from "./notebook";
import { notebookEnv, type Scale } from "./params";
import { ProgressBar } from "./progress";
import type { PassAtOneEntry, ReportedValues } from "./tables";

/** One scale of the evaluation notebook. */
export interface EvaluationScale {
  /** Models to evaluate: [label, directory]. */
  models: Array<[string, string]>;
  /** Notebook runs (names under the runs folder) whose newest checkpoint is evaluated too, when present. */
  runs?: string[];
  /** Synthetic held-out Hard problems. */
  syntheticProblems: number;
  /** First K problems of each real benchmark (Infinity: all). */
  realProblems: number;
  /** Samples per problem of the avg@n protocol. */
  avgN: number;
  maxNewTokens: number;
  /**
   * Who samples: `tfjs` (our model on worker threads; default) or `llama.cpp` (the checkpoint converted to GGUF,
   * cached, and run in-process, on a GPU when llama.cpp finds one: what holds a 1.5B model on a laptop).
   * OPEN_RS_NB_ENGINE overrides it.
   */
  engine?: "tfjs" | "llama.cpp";
}

/** The base model and the three released Open-RS checkpoints (local copies), as the paper's Table 1 lists them. */
export const OPEN_RS_MODELS: Array<[string, string]> = [
  ["DeepSeek-R1-Distill-Qwen-1.5B", "data/models/DeepSeek-R1-Distill-Qwen-1.5B"],
  ["Open-RS1", "data/models/Open-RS1"],
  ["Open-RS2", "data/models/Open-RS2"],
  ["Open-RS3", "data/models/Open-RS3"],
];

/** Parameters of the evaluation notebook. */
export interface EvaluationParams extends EvaluationScale {
  scale: Scale;
  /** The runs folder (OPEN_RS_NB_RUNS, default reports/runs). */
  runsDir: string;
}

/**
 * The evaluation notebook's parameters: the chosen scale (OPEN_RS_NB_SCALE overrides it), then OPEN_RS_NB_*
 * (problems for both kinds of benchmark, samples, tokens, the base model). Prints one line.
 */
export function evaluationParams(spec: {
  scale?: Scale;
  mini: EvaluationScale;
  paper: EvaluationScale;
}): EvaluationParams {
  const env = notebookEnv();
  const scale = envChoice("OPEN_RS_NB_SCALE", ["mini", "paper"] as const, spec.scale ?? "mini");
  const s = spec[scale];
  const models = s.models.map(([l, d], i): [string, string] => [l, i === 0 && env.model ? env.model : d]);
  const p: EvaluationParams = {
    scale,
    runsDir: env.runs ?? "reports/runs",
    models,
    runs: s.runs ?? [],
    syntheticProblems: env.evalProblems ?? s.syntheticProblems,
    realProblems: Math.min(env.evalProblems ?? s.realProblems, s.realProblems),
    avgN: env.evalSamples ?? s.avgN,
    maxNewTokens: env.maxTokens ?? s.maxNewTokens,
    engine: envChoice("OPEN_RS_NB_ENGINE", ["tfjs", "llama.cpp"] as const, s.engine ?? "tfjs"),
  };
  console.log(
    `scale ${scale}: ${p.syntheticProblems} synthetic + ${Number.isFinite(p.realProblems) ? p.realProblems : "all"} per real benchmark · n=1 and avg@${p.avgN} · ${p.maxNewTokens} new tokens · ${p.engine}`,
  );
  return p;
}

/** The checkpoints to evaluate: the given models, then the newest checkpoint of each run that has one. */
export function evaluationCheckpoints(P: EvaluationParams): Array<[string, string]> {
  const out: Array<[string, string]> = [...P.models];
  for (const name of P.runs ?? []) {
    const ckpt = latestCheckpoint(join(P.runsDir, name));
    if (ckpt && existsSync(join(ckpt, "model", "config.json"))) {
      out.push([`${name} @ ${ckpt.split("-").pop()}`, join(ckpt, "model")]);
    }
  }
  console.log(`checkpoints: ${out.map(([l]) => l).join(", ")}`);
  return out;
}

/** The synthetic held-out Hard set, then each real benchmark found in ../shared/data (one line per missing one). */
export function evaluationBenchmarks(P: EvaluationParams): Benchmark[] {
  const out: Benchmark[] = [
    benchmarkFromRows("synthetic-hard", tinySplits().heldoutHard.slice(0, P.syntheticProblems), {
      goldField: "solution",
      goldKind: "latex",
    }),
  ];
  for (const name of BENCHMARK_NAMES) {
    if (!sharedDataFile(`benchmarks/${name}.jsonl`)) {
      console.log(`${name}: ../shared/data/benchmarks/${name}.jsonl not found, skipped`);
      continue;
    }
    const limit = Number.isFinite(P.realProblems) ? P.realProblems : undefined;
    out.push(limitBenchmark(loadLocalBenchmark(name), limit));
  }
  console.log(`benchmarks: ${out.map((b) => `${b.name} (${b.problems.length})`).join(", ")}`);
  return out;
}

/** The two protocols compared: the paper's (one sample) and avg@n, with the same sampling and token budget. */
export function evaluationProtocols(P: EvaluationParams): EvalProtocol[] {
  return [
    resolveProtocol("paper", { maxNewTokens: P.maxNewTokens }),
    resolveProtocol("avg", { n: P.avgN, maxNewTokens: P.maxNewTokens }),
  ];
}

/**
 * Every protocol on every checkpoint (one model in memory at a time) with `engine` (tfjs by default, or
 * llama.cpp), with a progress bar over samples.
 */
export async function evaluateCheckpoints(
  checkpoints: ReadonlyArray<[string, string]>,
  benchmarks: Benchmark[],
  protocols: readonly EvalProtocol[],
  engine: "tfjs" | "llama.cpp" = "tfjs",
): Promise<EvalRun[]> {
  const perModel =
    protocols.reduce((s, p) => s + p.n, 0) * benchmarks.reduce((s, b) => s + b.problems.length, 0);
  const bar = new ProgressBar(checkpoints.length * perModel, { label: "eval samples" });
  const runs: EvalRun[] = [];
  for (const [label, dir] of checkpoints) {
    const opened = await openEngine(engine, label, dir);
    try {
      const runner = new InProcessRunner(opened.engine, { batchSize: 32 });
      for (const protocol of protocols) {
        runs.push(
          await evaluate({ benchmarks, protocol, runner, modelLabel: label, onSample: () => bar.tick() }),
        );
      }
    } finally {
      await opened.close();
    }
  }
  return runs;
}

/** A checkpoint's engine and how to free it. */
async function openEngine(
  kind: "tfjs" | "llama.cpp",
  label: string,
  dir: string,
): Promise<{ engine: TextEngine; close: () => Promise<void> }> {
  if (kind === "llama.cpp") {
    const engine = await loadLlamaEngine(dir, { label, onProgress: (line) => console.log(line) });
    return { engine, close: () => engine.dispose() };
  }
  const model = await Qwen2ForCausalLM.fromPretrained(dir);
  const engine = localEngine(model, HfTokenizer.fromDir(dir), generate, { label, microBatch: 16 });
  return { engine, close: async () => model.dispose() };
}

/** The pass@1 table's entries: one per run and benchmark ("paper (n=1)" or "avg@n"). */
export function evalRunEntries(runs: readonly EvalRun[]): PassAtOneEntry[] {
  return runs.flatMap((run) =>
    run.benchmarks.map((b) => ({
      benchmark: b.name,
      checkpoint: run.modelLabel,
      protocol: run.protocol.n === 1 ? "paper (n=1)" : `avg@${run.protocol.n}`,
      pass1: b.score.avg,
      stderr: b.score.stderr,
      n: b.score.n,
    })),
  );
}

/** The paper's Table 1 as reported values (model → benchmark → %), for the rows beside ours. */
export function paperReported(): ReportedValues {
  const out: ReportedValues = {};
  for (const row of PAPER_TABLE1) {
    const { Average: _avg, ...perBenchmark } = row.scores;
    out[row.model.split(" (")[0]] = perBenchmark;
  }
  return out;
}

/** Per checkpoint and benchmark: the paper protocol's single draw beside avg@n (how far one sample moves). */
export function showProtocolSpread(runs: readonly EvalRun[]): void {
  const labels = [...new Set(runs.map((r) => r.modelLabel))];
  const n = runs.find((r) => r.protocol.n > 1)?.protocol.n ?? 1;
  const pct = (a: number, s: number) => `${(100 * a).toFixed(1)} ± ${(100 * s).toFixed(1)}`;
  const lines: string[] = [];
  for (const label of labels) {
    const single = runs.find((r) => r.modelLabel === label && r.protocol.n === 1);
    const avg = runs.find((r) => r.modelLabel === label && r.protocol.n > 1);
    for (const b of single?.benchmarks ?? []) {
      const a = avg?.benchmarks.find((x) => x.name === b.name);
      lines.push(
        `| ${label} | ${b.name} | ${pct(b.score.avg, b.score.stderr)} | ${a ? pct(a.score.avg, a.score.stderr) : "—"} |`,
      );
    }
  }
  displayMarkdown(
    [`| checkpoint | benchmark | paper protocol (n=1) | avg@${n} |`, "|---|---|---|---|", ...lines].join(
      "\n",
    ),
  );
}

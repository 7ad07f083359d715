/**
 * The quickstart job, end to end: load the tiny model → held-out pass@1 → GRPO on the synthetic curriculum →
 * held-out pass@1 → a before/after table. Writes `<output_dir>/` metrics.jsonl and completions.jsonl (the GRPO
 * trainer's), checkpoints, eval-*.jsonl and summary.json. Training is the same `train()` run handle the
 * notebooks and the CLI drive. `scripts/quickstart.ts` and `scripts/run-experiment.ts` call it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SynthRow } from "../data/synthetic/index";
import type { StepMetrics } from "../grpo/metrics";
import type { RunHandle } from "../grpo/run";
import { train } from "../grpo/train";
import { ProgressBar } from "../kernel-helpers/progress";
import { Qwen2ForCausalLM } from "../model/qwen2";
import { tinySplits } from "../tiny/recipe";
import { HfTokenizer } from "../tokenizer/tokenizer";
import type { QuickstartConfig } from "./config";
import { evalHeldout, type HeldoutResult, pairedDelta } from "./eval";

/** Held-out scores at one point of the run. */
export interface EvalPoint {
  step: number;
  hard?: HeldoutResult;
  easy?: HeldoutResult;
}

/** What {@link runQuickstart} returns (also written as summary.json, without samples). */
export interface QuickstartResult {
  evals: EvalPoint[];
  metrics: StepMetrics[];
  trainSeconds: number;
  totalSeconds: number;
  /** Paired after − before on the Hard set (mean and stderr of per-problem differences). */
  hardDelta?: { delta: number; stderr: number };
  easyDelta?: { delta: number; stderr: number };
}

/** Options of {@link runQuickstart}. */
export interface RunQuickstartOptions {
  /** Model directory (default data/models/tiny-r1). */
  modelDir: string;
  config: QuickstartConfig;
  /** Lines of progress (default console.log). */
  log?: (line: string) => void;
  /** Worker threads of the run (default: OPEN_RS_WORKERS, else the machine's cores). */
  workers?: number;
}

function trainRows(rows: readonly SynthRow[], levels: QuickstartConfig["spec"]["train_levels"]): SynthRow[] {
  return levels === "mix" ? [...rows] : rows.filter((r) => r.level === levels);
}

async function evalPoint(
  step: number,
  model: Qwen2ForCausalLM,
  tok: HfTokenizer,
  sets: { hard: SynthRow[]; easy: SynthRow[] },
  cfg: QuickstartConfig,
): Promise<EvalPoint> {
  const o = { systemPrompt: cfg.grpo.system_prompt, ...cfg.spec.eval };
  const p: EvalPoint = { step };
  if (sets.hard.length) p.hard = await evalHeldout(model, tok, sets.hard, o);
  if (sets.easy.length) p.easy = await evalHeldout(model, tok, sets.easy, o);
  return p;
}

function writeEval(dir: string, p: EvalPoint): void {
  for (const [name, r] of [
    ["hard", p.hard],
    ["easy", p.easy],
  ] as const) {
    if (!r) continue;
    const lines = r.samples.map((s) => JSON.stringify({ step: p.step, set: name, ...s }));
    writeFileSync(join(dir, `eval-${name}-step${p.step}.jsonl`), `${lines.join("\n")}\n`);
  }
}

/** Run the quickstart; the caller has started a backend. */
export async function runQuickstart(opts: RunQuickstartOptions): Promise<QuickstartResult> {
  const t0 = performance.now();
  const log = opts.log ?? console.log;
  const { grpo, spec } = opts.config;
  const out = grpo.output_dir;
  const model = await Qwen2ForCausalLM.fromPretrained(opts.modelDir);
  const tok = HfTokenizer.fromDir(opts.modelDir);
  const splits = tinySplits();
  const sets = {
    hard: splits.heldoutHard.slice(0, spec.eval_hard),
    easy: splits.heldoutEasy.slice(0, spec.eval_easy),
  };
  // The run claims output_dir first, so a used directory is refused before any time is spent.
  const run = train(
    grpo,
    {
      model,
      tokenizer: tok,
      dataset: trainRows(splits.train, spec.train_levels),
      tokenizerDir: opts.modelDir,
    },
    { workers: opts.workers },
  );
  run.pause();
  const evals: EvalPoint[] = [];
  try {
    evals.push(await evalPoint(0, model, tok, sets, opts.config));
    writeEval(out, evals[0]);
    log(`step 0: ${describe(evals[0])}`);
    const bar = new ProgressBar(run.totalSteps, { label: "grpo" });
    const tTrain = performance.now();
    const midEvals: Promise<void>[] = [];
    run.on("step", (m) => {
      bar.tick(1, stepInfo(m));
      const last = m.step >= run.totalSteps;
      const overBudget =
        spec.max_train_seconds > 0 && (performance.now() - tTrain) / 1000 > spec.max_train_seconds;
      if (last || overBudget) void run.checkpoint().catch(() => {});
      if (overBudget && !last) {
        log(`stopping at step ${m.step}: wall-time budget of ${spec.max_train_seconds}s spent`);
        run.stop();
      } else if (spec.eval_every > 0 && m.step % spec.eval_every === 0 && !last) {
        midEvals.push(evalMidRun(run, m.step, tok, sets, opts.config, evals, out, log));
      }
    });
    run.resume();
    await run.done;
    await Promise.all(midEvals);
    const trainSeconds = (performance.now() - tTrain) / 1000;
    // train() copied the trained weights into `model`.
    const last = await evalPoint(run.step, model, tok, sets, opts.config);
    evals.push(last);
    writeEval(out, last);
    log(`step ${run.step}: ${describe(last)}`);
    const first = evals[0];
    const result: QuickstartResult = {
      evals,
      metrics: run.metrics,
      trainSeconds,
      totalSeconds: (performance.now() - t0) / 1000,
      hardDelta:
        first.hard && last.hard ? pairedDelta(first.hard.perProblem, last.hard.perProblem) : undefined,
      easyDelta:
        first.easy && last.easy ? pairedDelta(first.easy.perProblem, last.easy.perProblem) : undefined,
    };
    writeFileSync(join(out, "summary.json"), `${JSON.stringify(summaryJson(result), null, 2)}\n`);
    return result;
  } finally {
    if (run.active) {
      run.stop();
      await run.done.catch(() => {});
    }
    model.dispose();
  }
}

/**
 * A held-out eval in the middle of a run: pause at the step boundary, checkpoint, evaluate the checkpoint's
 * model, resume. (The live weights are in the worker process; the checkpoint is their copy.)
 */
async function evalMidRun(
  run: RunHandle,
  step: number,
  tok: HfTokenizer,
  sets: { hard: SynthRow[]; easy: SynthRow[] },
  cfg: QuickstartConfig,
  evals: EvalPoint[],
  out: string,
  log: (line: string) => void,
): Promise<void> {
  run.pause();
  const dir = await run.checkpoint();
  const m = await Qwen2ForCausalLM.fromPretrained(join(dir, "model"));
  try {
    const p = await evalPoint(step, m, tok, sets, cfg);
    evals.push(p);
    writeEval(out, p);
    log(`step ${step}: ${describe(p)}`);
  } finally {
    m.dispose();
    run.resume();
  }
}

function stepInfo(m: StepMetrics): string {
  const f = (k: string) => (typeof m[k] === "number" ? (m[k] as number).toFixed(2) : "?");
  return `reward ${f("reward")} · len ${f("completions/mean_length")} · clipped ${f("completions/clipped_ratio")}`;
}

function describe(p: EvalPoint): string {
  const s = (r?: HeldoutResult) =>
    r
      ? `${(100 * r.score.avg).toFixed(1)} ± ${(100 * r.score.stderr).toFixed(1)} (len ${r.meanTokens.toFixed(0)})`
      : "-";
  return `hard ${s(p.hard)} · easy ${s(p.easy)}`;
}

/** summary.json: scores per eval point, the paired deltas and times (no samples). */
export function summaryJson(r: QuickstartResult): Record<string, unknown> {
  const score = (x?: HeldoutResult) =>
    x ? { ...x.score, meanTokens: x.meanTokens, seconds: x.seconds } : undefined;
  return {
    evals: r.evals.map((p) => ({ step: p.step, hard: score(p.hard), easy: score(p.easy) })),
    hardDelta: r.hardDelta,
    easyDelta: r.easyDelta,
    trainSeconds: r.trainSeconds,
    totalSeconds: r.totalSeconds,
    steps: r.metrics.length,
  };
}

/** The before/after table as Markdown. */
export function beforeAfterTable(r: QuickstartResult): string {
  const first = r.evals[0];
  const last = r.evals[r.evals.length - 1];
  const pct = (x?: HeldoutResult) =>
    x ? `${(100 * x.score.avg).toFixed(1)} ± ${(100 * x.score.stderr).toFixed(1)}` : "-";
  const d = (x?: { delta: number; stderr: number }) =>
    x ? `${x.delta >= 0 ? "+" : ""}${(100 * x.delta).toFixed(1)} ± ${(100 * x.stderr).toFixed(1)}` : "-";
  const n = first.hard?.score.n ?? first.easy?.score.n ?? 0;
  return [
    `| held-out set (avg@${n}, %) | before (step 0) | after (step ${last.step}) | paired Δ |`,
    "|---|---|---|---|",
    `| Hard (${first.hard?.score.problems ?? 0}) | ${pct(first.hard)} | ${pct(last.hard)} | ${d(r.hardDelta)} |`,
    `| Easy (${first.easy?.score.problems ?? 0}) | ${pct(first.easy)} | ${pct(last.easy)} | ${d(r.easyDelta)} |`,
  ].join("\n");
}

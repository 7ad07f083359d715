/**
 * The steps notebooks 00–03 share, so each notebook shows only what differs: the training rows (the
 * curriculum's levels or the 6 : 1 mixture, or open-rs), the data statistics, evaluating a model or every
 * checkpoint of a run (avg@n, written as `eval-<set>-step<N>.jsonl` beside the run, as the scripts write them),
 * the pass@1 table with paired differences, and the standard training charts.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as aq from "arquero";
import { loadRows } from "../data/loader";
import { mixDatasets } from "../data/mix";
import { loadOpenRs, sharedDataFile } from "../data/open-rs";
import type { MathRow } from "../data/schema";
import { answerTypes, countsBySourceLevel, promptLengthStats } from "../data/stats";
import type { SynthRow } from "../data/synthetic";
import { listCheckpoints } from "../grpo/checkpoint";
import { clearRunDir } from "../grpo/run-dir";
import { Qwen2ForCausalLM } from "../model/qwen2";
import { evalHeldout, type HeldoutResult, pairedDelta } from "../quickstart/eval";
import { tinySplits } from "../tiny/recipe";
import type { TokenizerLike } from "../tokenizer/types";
import { lengthFigure, type MetricsRow, rewardFigure, stepTimeFigure, trainingFigure } from "./charts";
import { updateMarkers } from "./dashboard";
import { displayMarkdown, showTable } from "./notebook";
import type { NotebookParams } from "./params";
import { showFigure } from "./plotly";
import { type PassAtOneEntry, showPassAtOne } from "./tables";

/** An eval set with its rows. */
export interface EvalSet {
  key: string;
  label: string;
  rows: MathRow[];
}

/**
 * Remove what an earlier run left in `outputDir` (metrics, completions, eval results, checkpoints, run.json) so a
 * fresh run may use it (a run refuses another run's files); other files stay. Returns how many were removed.
 */
export function clearRun(outputDir: string): number {
  return clearRunDir(outputDir);
}

/** The notebooks' 6 : 1 Hard : Easy mixture (open-rs's 6,000 hard + 1,000 easy), from the curriculum. */
export const MINI_MIXTURE = { hard: 1200, easy: 200, seed: 42 } as const;

/**
 * The training rows of a notebook, with the tables a reader checks first (the mixture's accounting, counts by
 * source and level). Mini: the curriculum's Hard or Easy rows, or the seeded 6 : 1 mixture; paper: open-rs
 * (its Hard rows only for Experiment 1).
 */
export async function trainingRows(P: Pick<NotebookParams, "data">): Promise<MathRow[]> {
  let rows: MathRow[];
  if (P.data === "open-rs" || P.data === "open-rs Hard") {
    rows = (await loadOpenRs()).rows;
    if (P.data === "open-rs Hard") rows = rows.filter((r) => r.level === "Hard");
  } else if (P.data === "mix") {
    const train = tinySplits().train;
    const mix = mixDatasets(
      [
        { name: "synthetic", rows: train, level: "Hard", count: MINI_MIXTURE.hard },
        { name: "synthetic", rows: train, level: "Easy", count: MINI_MIXTURE.easy },
      ],
      { seed: MINI_MIXTURE.seed },
    );
    showTable(aq.from(mix.report), "mixture components (mixDatasets report)");
    rows = mix.rows;
  } else {
    const level = P.data;
    rows = tinySplits().train.filter((r) => r.level === level);
  }
  showTable(countsBySourceLevel(rows), `training rows by source and level (${rows.length})`);
  return rows;
}

/** Answer kinds and prompt lengths (chat template applied) of the training rows: what the data cards report. */
export function showDataStats(
  rows: readonly MathRow[],
  tokenizer: TokenizerLike,
  P: Pick<NotebookParams, "grpo">,
): void {
  showTable(answerTypes(rows), "answer types");
  const s = promptLengthStats(rows.slice(0, 2000), tokenizer, {
    systemPrompt: P.grpo.system_prompt ?? "",
    max_prompt_length: P.grpo.max_prompt_length,
  });
  showTable(
    aq.from([s.summary]),
    `prompt tokens (first ${s.lengths.length} rows; ${s.truncatedCount} over max_prompt_length ${P.grpo.max_prompt_length})`,
  );
}

/** The paper's own training set's statistics, when ../shared/data has it (one line saying so otherwise). */
export async function showOpenRsStats(): Promise<void> {
  if (!sharedDataFile("train/open_rs.jsonl")) {
    console.log("../shared/data/train/open_rs.jsonl not found: the real data set's statistics are skipped");
    return;
  }
  const rows = (await loadOpenRs()).rows;
  showTable(countsBySourceLevel(rows), `knoveleng/open-rs, as the paper trained on it (${rows.length} rows)`);
  showTable(answerTypes(rows), "open-rs answer types");
}

/** The eval sets of a notebook: held-out Hard / Easy (mini), MATH-500 from ../shared/data (paper). */
export async function evalSets(P: Pick<NotebookParams, "eval" | "scale">): Promise<EvalSet[]> {
  const out: EvalSet[] = [];
  const splits = P.scale === "mini" ? tinySplits() : null;
  for (const s of P.eval.sets) {
    let rows: MathRow[] = [];
    if (splits && s.key === "hard") rows = splits.heldoutHard;
    else if (splits && s.key === "easy") rows = splits.heldoutEasy;
    else {
      const file = sharedDataFile(`benchmarks/${s.key}.jsonl`);
      if (!file) {
        console.log(`${s.label}: ../shared/data/benchmarks/${s.key}.jsonl not found, skipped`);
        continue;
      }
      rows = await loadRows(file);
    }
    out.push({ key: s.key, label: s.label, rows: rows.slice(0, s.problems) });
  }
  return out;
}

/** One model evaluated on every set. */
export interface ModelEval {
  label: string;
  /** Training step (0 for the base model). */
  step: number;
  results: Record<string, HeldoutResult>;
}

/** Where a run's eval results go: the same files the quickstart and experiment scripts write. */
export function evalFile(outputDir: string, setKey: string, step: number): string {
  return join(outputDir, `eval-${setKey}-step${step}.jsonl`);
}

/**
 * avg@n ± stderr of `model` on each set, prompted as GRPO prompts; prints one line per set. With `outputDir`,
 * each set's samples are written to `eval-<set>-step<step>.jsonl` there (what compareRuns reads).
 */
export async function evalModel(
  model: Qwen2ForCausalLM,
  tokenizer: TokenizerLike,
  sets: readonly EvalSet[],
  P: Pick<NotebookParams, "eval" | "grpo">,
  opts: { label: string; step: number; outputDir?: string },
): Promise<ModelEval> {
  const results: Record<string, HeldoutResult> = {};
  for (const set of sets) {
    if (set.rows.length === 0) continue;
    const r = await evalHeldout(model, tokenizer, set.rows as SynthRow[], {
      n: P.eval.n,
      temperature: P.eval.temperature,
      topP: P.eval.topP,
      maxNewTokens: P.eval.maxNewTokens,
      systemPrompt: P.grpo.system_prompt,
    });
    results[set.key] = r;
    const s = r.score;
    console.log(
      `${opts.label} · ${set.label}: ${(100 * s.avg).toFixed(1)} ± ${(100 * s.stderr).toFixed(1)} (${s.problems} problems × ${s.n}, ${r.seconds.toFixed(0)} s)`,
    );
    if (opts.outputDir) {
      mkdirSync(opts.outputDir, { recursive: true });
      const lines = r.samples.map((x) => JSON.stringify({ step: opts.step, set: set.key, ...x }));
      writeFileSync(evalFile(opts.outputDir, set.key, opts.step), `${lines.join("\n")}\n`);
    }
  }
  return { label: opts.label, step: opts.step, results };
}

/**
 * The base model and every checkpoint the run saved, each evaluated on every set (one model in memory at a
 * time). Results are also written beside the run.
 */
export async function evalCheckpoints(
  P: Pick<NotebookParams, "eval" | "grpo" | "model">,
  tokenizer: TokenizerLike,
  sets: readonly EvalSet[],
): Promise<ModelEval[]> {
  const dir = P.grpo.output_dir;
  const points: Array<[string, number, string]> = [
    ["base", 0, P.model],
    ...listCheckpoints(dir).map((s): [string, number, string] => [
      `step ${s}`,
      s,
      join(dir, `checkpoint-${s}`, "model"),
    ]),
  ];
  const out: ModelEval[] = [];
  for (const [label, step, modelDir] of points) {
    const m = await Qwen2ForCausalLM.fromPretrained(modelDir);
    try {
      out.push(await evalModel(m, tokenizer, sets, P, { label, step, outputDir: dir }));
    } finally {
      m.dispose();
    }
  }
  return out;
}

/** Entries of the pass@1 table for evaluated models. */
export function passAtOneEntries(evals: readonly ModelEval[], sets: readonly EvalSet[]): PassAtOneEntry[] {
  const label = new Map(sets.map((s) => [s.key, s.label]));
  const entries: PassAtOneEntry[] = [];
  for (const e of evals) {
    for (const [key, r] of Object.entries(e.results)) {
      entries.push({
        benchmark: label.get(key) ?? key,
        checkpoint: e.label,
        protocol: `avg@${r.score.n}`,
        pass1: r.score.avg,
        stderr: r.score.stderr,
        n: r.score.n,
      });
    }
  }
  return entries;
}

/** "Δ = +3.1 ± 1.2 points, a gain beyond noise" for one paired difference (fractions in, points out). */
export function describeDelta(d: { delta: number; stderr: number }): string {
  const verdict =
    d.delta === 0
      ? "no difference"
      : Math.abs(d.delta) < 2 * d.stderr
        ? "within noise (|Δ| < 2 stderr)"
        : d.delta > 0
          ? "a gain beyond noise"
          : "a loss beyond noise";
  const sign = d.delta >= 0 ? "+" : "−";
  return `paired Δ = ${sign}${Math.abs(100 * d.delta).toFixed(1)} ± ${(100 * d.stderr).toFixed(1)} points, ${verdict}`;
}

/**
 * The pass@1 table (sets × evaluated models) and, under it, the paired difference of the last model against
 * the first on each set.
 */
export function showEvals(evals: readonly ModelEval[], sets: readonly EvalSet[], caption?: string): void {
  if (evals.length === 0) return;
  const n = Object.values(evals[0].results)[0]?.score.n ?? 0;
  showPassAtOne(passAtOneEntries(evals, sets), {}, caption ?? `pass@1 (%), avg@${n} ± stderr`);
  const first = evals[0];
  const last = evals[evals.length - 1];
  if (evals.length < 2) return;
  const lines: string[] = [];
  for (const s of sets) {
    const a = first.results[s.key];
    const b = last.results[s.key];
    if (!a || !b || a.perProblem.length < 2) continue;
    lines.push(
      `- **${s.label}**, ${last.label} vs ${first.label}: ${describeDelta(pairedDelta(a.perProblem, b.perProblem))}.`,
    );
  }
  if (lines.length) displayMarkdown(lines.join("\n"));
}

/** What the standard charts need from a run: a run handle or its metrics rows. */
export type ChartSource = { readonly metrics: readonly MetricsRow[] } | readonly MetricsRow[];

/** The four training charts (reward, lengths against the cap, KL / clip / LR / entropy, step time). */
export function showTrainingCharts(
  run: ChartSource,
  opts: { maxCompletionLength?: number; window?: number } = {},
): void {
  const rows = [...(Array.isArray(run) ? run : (run as { metrics: readonly MetricsRow[] }).metrics)];
  const updates = updateMarkers({ metrics: rows });
  showFigure(rewardFigure(rows, { window: opts.window ?? 5, updates }));
  showFigure(lengthFigure(rows, { maxCompletionLength: opts.maxCompletionLength, updates }));
  showFigure(trainingFigure(rows, { updates }));
  showFigure(stepTimeFigure(rows));
}

/**
 * SFT traces for the tiny model: a `<think>` trace and boxed answer per synthetic row, with controlled
 * flaws (wrong step, too short, no close, no box) and verbosity.
 */
import type { ChatMessage } from "../../tokenizer/types";
import { Rng } from "../../util/rng";
import { chainLatex } from "./arithmetic";
import { equationLatex } from "./equations";
import { kindSpec } from "./kinds";
import { perturbAnswer } from "./perturb";
import type { Solved, SynthRow } from "./types";
import { pick, pickWeighted } from "./words";

/** How a trace deviates from a good one. `none` = well-formed and right. */
export type SftFlaw = "none" | "wrong_step" | "too_short" | "no_close" | "no_box";
/** How much a trace says around its computational lines. */
export type SftVerbosity = "terse" | "normal" | "verbose";

/** Options of {@link makeSftExample} / {@link makeSftCorpus}. */
export interface SftOptions {
  /** Fraction of traces that are deliberately flawed, in [0, 1]. Default 0.3. */
  flawedFraction: number;
  /**
   * Relative weights of the flaws among flawed traces. Default `{wrong_step: 0.5, too_short: 0.2, no_close: 0.15,
   * no_box: 0.15}`. `wrong_step`: one intermediate result is off and the error propagates to a wrong boxed answer.
   * `too_short`: the reasoning stops after at most one line and boxes a wrong value. `no_close`: right reasoning
   * and box but no `\n</think>\n`. `no_box`: right and closed, but the answer is not in `\boxed{}`.
   */
  flawWeights: Record<Exclude<SftFlaw, "none">, number>;
  /** Relative weights of the verbosity levels. Default `{terse: 0.3, normal: 0.5, verbose: 0.2}`. */
  verbosityWeights: Record<SftVerbosity, number>;
  /** System turn before the problem (Open-RS: {@link OPEN_RS_SYSTEM_PROMPT}). Default null: no system turn. */
  systemPrompt: string | null;
  /**
   * Open the reasoning by restating the problem's operands as one expression (`25 - 19 + 11`, `x + 4 = 9`,
   * `23 mod 5`), so a small model learns to copy the numbers from the prompt first. Default false.
   */
  restate: boolean;
}

/** Default {@link SftOptions}. */
export const DEFAULT_SFT_OPTIONS: Readonly<SftOptions> = Object.freeze({
  flawedFraction: 0.3,
  flawWeights: Object.freeze({ wrong_step: 0.5, too_short: 0.2, no_close: 0.15, no_box: 0.15 }),
  verbosityWeights: Object.freeze({ terse: 0.3, normal: 0.5, verbose: 0.2 }),
  systemPrompt: null,
  restate: false,
});

/** One SFT pair. `completion` is the text generated after the `<think>\n` prefill; the trainer appends EOS. */
export interface SftExample {
  id: string;
  /** Chat turns to render with the tokenizer's template (`addGenerationPrompt: true` adds the prefill). */
  prompt: ChatMessage[];
  completion: string;
  flaw: SftFlaw;
  verbosity: SftVerbosity;
  /** The answer the completion states (boxed or not), for checking the flaw. */
  statedAnswer: string;
  row: SynthRow;
}

/** The closing tag exactly as Open-RS's format reward counts it. */
export const THINK_CLOSE = "\n</think>\n";

const FINALS = [
  (a: string) => `The answer is $\\boxed{${a}}$.`,
  (a: string) => `Therefore, the final answer is: $\\boxed{${a}}$. I hope it is correct`,
  (a: string) => `$\\boxed{${a}}$`,
];

/** The problem's operands as one expression, for the kinds that have one (else null). */
export function restatement(row: SynthRow): string | null {
  const p = row.params;
  if (p.kind === "arithmetic") return chainLatex(p.nums, p.ops ?? []);
  if (p.kind === "equations") return equationLatex(p.form, p.nums);
  if (p.kind === "remainders" && p.form === "n%m") return `${p.nums[0]} mod ${p.nums[1]}`;
  return null;
}

/** Reasoning text of a solved problem at a verbosity: optional opening line, the steps, optional re-check. */
function reasoning(
  rng: Rng,
  leads: readonly string[],
  solved: Solved,
  verbosity: SftVerbosity,
  restated: string | null,
): string {
  const lines = [...solved.steps];
  if (restated !== null) lines.unshift(restated);
  if (verbosity !== "terse") lines.unshift(pick(rng, leads));
  if (verbosity === "verbose") lines.push(`Let me check: ${solved.steps.join(", ")}.`);
  return lines.join("\n");
}

/** A fault that changes the final answer (tries every step with a few deltas), or null if none does. */
function wrongSolve(rng: Rng, row: SynthRow): Solved | null {
  const spec = kindSpec(row.params.kind);
  const n = spec.solve(row.params).nSteps;
  const start = rng.int(Math.max(1, n));
  for (let i = 0; i < n; i++) {
    for (const delta of [...rng.shuffle([1, -1, 2, -2]), ...rng.shuffle([10, -10])]) {
      const s = spec.solve(row.params, { step: (start + i) % n, delta });
      if (s.answer !== row.answer) return s;
    }
  }
  return null;
}

/** Build the completion text for a flaw; returns the text and the answer it states. */
function buildCompletion(
  rng: Rng,
  row: SynthRow,
  flaw: SftFlaw,
  verbosity: SftVerbosity,
  restate: boolean,
): [string, string] {
  const spec = kindSpec(row.params.kind);
  let solved = spec.solve(row.params);
  let answer = solved.answer;
  if (flaw === "wrong_step") {
    solved = wrongSolve(rng, row) ?? { ...solved, answer: perturbAnswer(solved.answer, rng) };
    answer = solved.answer;
  }
  if (flaw === "too_short") {
    const kept = solved.steps.slice(0, solved.nSteps > 1 ? 1 : 0);
    const guess = solved.nSteps > 1 ? solved.partials[0] : perturbAnswer(answer, rng);
    answer = guess === row.answer ? perturbAnswer(row.answer, rng) : guess;
    const think = kept.length > 0 ? kept.join("\n") : pick(rng, ["Easy.", "Quick guess.", "Simple."]);
    return [`${think}${THINK_CLOSE}\n${pick(rng, FINALS)(answer)}`, answer];
  }
  const think = reasoning(rng, spec.leads, solved, verbosity, restate ? restatement(row) : null);
  if (flaw === "no_close") {
    const sep = pick(rng, ["\n\n", " </think> ", "\n</think>"]);
    return [`${think}${sep}${pick(rng, FINALS)(answer)}`, answer];
  }
  if (flaw === "no_box") return [`${think}${THINK_CLOSE}\nThe answer is ${answer}.`, answer];
  return [`${think}${THINK_CLOSE}\n${pick(rng, FINALS)(answer)}`, answer];
}

/**
 * One SFT example for a synthetic row: the prompt turns and a DeepSeek-R1-shaped completion
 * (`<steps>\n</think>\n\n<final line with \boxed{answer}>`), flawed with probability `opts.flawedFraction`.
 */
export function makeSftExample(row: SynthRow, rng: Rng, opts: Partial<SftOptions> = {}): SftExample {
  const o = { ...DEFAULT_SFT_OPTIONS, ...opts };
  if (!(o.flawedFraction >= 0 && o.flawedFraction <= 1)) {
    throw new Error(`makeSftExample: flawedFraction must be in [0, 1], got ${o.flawedFraction}`);
  }
  const flaw: SftFlaw = rng.next() < o.flawedFraction ? pickWeighted(rng, o.flawWeights) : "none";
  const verbosity = pickWeighted(rng, o.verbosityWeights);
  const [completion, statedAnswer] = buildCompletion(rng, row, flaw, verbosity, o.restate);
  const prompt: ChatMessage[] = o.systemPrompt === null ? [] : [{ role: "system", content: o.systemPrompt }];
  prompt.push({ role: "user", content: row.problem });
  return { id: row.id, prompt, completion, flaw, verbosity, statedAnswer, row };
}

/** SFT examples for many rows, deterministic for `seed` (each row draws from its own forked stream). */
export function makeSftCorpus(
  rows: readonly SynthRow[],
  seed: number,
  opts: Partial<SftOptions> = {},
): SftExample[] {
  const rng = new Rng(seed);
  return rows.map((row) => makeSftExample(row, rng.fork(), opts));
}

/** The table of problem kinds: for each, how to sample, how to solve (optionally with a fault) and how traces open. */
import type { Rng } from "../../util/rng";
import { ARITHMETIC_LEADS, type Sampled, sampleArithmetic, solveArithmetic } from "./arithmetic";
import { COUNTING_LEADS, sampleCounting, solveCounting } from "./counting";
import { EQUATION_LEADS, sampleEquations, solveEquations } from "./equations";
import { FRACTION_LEADS, sampleFractions, solveFractions } from "./fractions";
import { REMAINDER_LEADS, sampleRemainders, solveRemainders } from "./remainders";
import type { Fault, LevelParams, Solved, SynthKind, SynthLevel, SynthParams } from "./types";

/** One problem family: how to sample it, how to solve it (optionally with a fault), how traces open. */
export interface KindSpec {
  sample(rng: Rng, level: SynthLevel, lp: LevelParams): Sampled;
  solve(params: SynthParams, fault?: Fault): Solved;
  leads: readonly string[];
}

/** The registry: the only list of kinds and their code. */
export const KINDS: Readonly<Record<SynthKind, KindSpec>> = Object.freeze({
  arithmetic: { sample: sampleArithmetic, solve: solveArithmetic, leads: ARITHMETIC_LEADS },
  fractions: { sample: sampleFractions, solve: solveFractions, leads: FRACTION_LEADS },
  equations: { sample: sampleEquations, solve: solveEquations, leads: EQUATION_LEADS },
  remainders: { sample: sampleRemainders, solve: solveRemainders, leads: REMAINDER_LEADS },
  counting: { sample: sampleCounting, solve: solveCounting, leads: COUNTING_LEADS },
});

/** Look up a kind, with an error that lists the valid ones. */
export function kindSpec(kind: string): KindSpec {
  const spec = (KINDS as Record<string, KindSpec | undefined>)[kind];
  if (!spec) throw new Error(`unknown synthetic kind '${kind}'; valid: ${Object.keys(KINDS).join(", ")}`);
  return spec;
}

/** Solve a row's parameters: its reasoning lines and its answer (the ground truth when `fault` is omitted). */
export function solveParams(params: SynthParams, fault?: Fault): Solved {
  return kindSpec(params.kind).solve(params, fault);
}

/** Types of the synthetic curriculum: levels, kinds, problem parameters, rows, faults and per-level settings. */
import type { MathRow } from "../schema";

/** Difficulty label, spelled as open-rs's `level` column spells it. */
export type SynthLevel = "Easy" | "Hard";

/** The problem families of the curriculum; `source` is `synthetic/<kind>`. */
export type SynthKind = "arithmetic" | "fractions" | "equations" | "remainders" | "counting";

/** Every kind, in a fixed order (generation cycles through them deterministically). */
export const SYNTH_KINDS: readonly SynthKind[] = Object.freeze([
  "arithmetic",
  "fractions",
  "equations",
  "remainders",
  "counting",
]);

/**
 * The parameters a problem was built from, kept on the row (column `params`) so that tests and analyses can
 * recompute the answer without reading it. `form` names the template family (e.g. `chain`, `word`, `a(x+b)=c`).
 */
export interface SynthParams {
  kind: SynthKind;
  form: string;
  /** Integers of the problem, in the order the solver uses them. */
  nums: number[];
  /** Operators, for the forms that chain them (`+`, `-`, `*`, `/`). */
  ops?: string[];
}

/** A synthetic row: a normal {@link MathRow} plus the generating parameters. */
export interface SynthRow extends MathRow {
  id: string;
  solution: string;
  level: SynthLevel;
  source: string;
  params: SynthParams;
}

/** A deliberate mistake: the computational step `step` (0-based) returns its true result plus `delta`. */
export interface Fault {
  step: number;
  delta: number;
}

/** What a solver returns: the reasoning lines and the final value (already in LaTeX). */
export interface Solved {
  steps: string[];
  answer: string;
  /** Number of computational steps (where a {@link Fault} can be injected). */
  nSteps: number;
  /** LaTeX of the value of each computational step, in order (used by "too short" traces). */
  partials: string[];
}

/**
 * Numeric ranges per level. Easy ≈ one operation, Hard ≈ 2–3 chained operations; the number ranges stay small
 * (one- and two-digit) so that a problem fits in ~40 tokens and a ~1–3M-parameter model can learn the steps.
 */
export interface LevelParams {
  /** Largest operand of + and − (inclusive). */
  addMax: number;
  /** Largest factor of × and ÷ (inclusive, ≥ 2). */
  mulMax: number;
  /** Number of chained operations in arithmetic chains: [min, max]. */
  chain: [number, number];
  /** Largest denominator of a fraction in lowest terms. */
  denMax: number;
  /** Largest N in counting problems ("from 1 to N"). */
  countMax: number;
  /** Largest modulus in remainder problems. */
  modMax: number;
  /** Largest |x| of an equation's solution. */
  xMax: number;
  /** Operators arithmetic chains may use (subset of `+ - * /`). Default all four. */
  ops: readonly string[];
  /** Fraction of arithmetic problems told as a story. Default 0.4. */
  wordFraction: number;
  /** Fraction of Hard bare chains allowed to go negative. Default 0.3. */
  negFraction: number;
  /** Largest left factor of a chain that starts with ×. Default 12. */
  mulLeftMax: number;
  /** Largest dividend n of an Easy remainder problem (n mod m). Default 99. */
  modNMax: number;
  /** Equation forms allowed at this level (subset of the level's forms). Default: all of them. */
  eqForms?: readonly string[];
}

/** Defaults both levels share (all operators, 40% stories, 30% of Hard bare chains may go negative). */
const SHARED: Pick<LevelParams, "ops" | "wordFraction" | "negFraction" | "mulLeftMax" | "modNMax"> = {
  ops: ["+", "-", "*", "/"],
  wordFraction: 0.4,
  negFraction: 0.3,
  mulLeftMax: 12,
  modNMax: 99,
};
/** Default difficulty. Hard chains 2–3 operations; both levels keep every number under 100 at the start. */
export const DEFAULT_LEVELS: Readonly<Record<SynthLevel, Readonly<LevelParams>>> = Object.freeze({
  Easy: Object.freeze({
    addMax: 30,
    mulMax: 9,
    chain: [1, 1],
    denMax: 9,
    countMax: 50,
    modMax: 9,
    xMax: 12,
    ...SHARED,
  }),
  Hard: Object.freeze({
    addMax: 30,
    mulMax: 9,
    chain: [2, 3],
    denMax: 9,
    countMax: 60,
    modMax: 9,
    xMax: 12,
    ...SHARED,
  }),
} as unknown as Record<SynthLevel, LevelParams>);

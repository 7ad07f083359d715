/** The synthetic math curriculum: seeded problems in graded difficulty, fixed splits, and SFT traces. */

export { OPEN_RS_SYSTEM_PROMPT } from "../prompt";
export { chainLatex } from "./arithmetic";
export { equationLatex } from "./equations";
export type { GenerateOptions, SplitOptions, SynthSplits } from "./generate";
export { generateRow, generateRows, makeSplits, problemKey, solutionText } from "./generate";
export type { KindSpec } from "./kinds";
export { KINDS, kindSpec, solveParams } from "./kinds";
export { perturbAnswer } from "./perturb";
export type { SftExample, SftFlaw, SftOptions, SftVerbosity } from "./sft";
export { DEFAULT_SFT_OPTIONS, makeSftCorpus, makeSftExample, THINK_CLOSE } from "./sft";
export type { Frac } from "./trace";
export { fracLatex, gcd, reduce } from "./trace";
export type { Fault, LevelParams, Solved, SynthKind, SynthLevel, SynthParams, SynthRow } from "./types";
export { DEFAULT_LEVELS, SYNTH_KINDS } from "./types";

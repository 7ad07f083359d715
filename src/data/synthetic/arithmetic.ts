/**
 * Arithmetic problems of the synthetic curriculum: one operation (Easy) or chains of 2–3 with + − × ÷ (Hard),
 * some told as stories, and their step-by-step solutions.
 */
import type { Rng } from "../../util/rng";
import { applyOp, intLatex, OP_LATEX, Tracer } from "./trace";
import type { Fault, LevelParams, Solved, SynthLevel, SynthParams } from "./types";
import { ITEMS, NAMES, pick, randInt } from "./words";

/** A sampled problem before it becomes a row. */
export interface Sampled {
  problem: string;
  params: SynthParams;
}

const OPS = ["+", "-", "*", "/"] as const;

/** Try to extend `acc` by `op`; returns the operand or null when the op does not fit (keeps numbers small). */
function operandFor(
  rng: Rng,
  acc: number,
  op: string,
  lp: LevelParams,
  allowNegative: boolean,
): number | null {
  if (op === "+") return randInt(rng, 1, lp.addMax);
  if (op === "-") {
    const hi = allowNegative ? lp.addMax : Math.min(lp.addMax, acc);
    return hi >= 1 ? randInt(rng, 1, hi) : null;
  }
  if (op === "*") return Math.abs(acc) <= 12 && acc !== 0 ? randInt(rng, 2, lp.mulMax) : null;
  const divisors: number[] = [];
  for (let d = 2; d <= lp.mulMax; d++) if (acc !== 0 && acc % d === 0 && acc / d !== 1) divisors.push(d);
  return divisors.length > 0 ? pick(rng, divisors) : null;
}

/** A first pair that makes `op` natural: × from two factors, ÷ from quotient × divisor. */
function firstOperand(rng: Rng, op: string, lp: LevelParams): number {
  if (op === "*") return randInt(rng, 2, lp.mulLeftMax);
  if (op === "/") return randInt(rng, 2, lp.mulMax) * randInt(rng, 2, lp.mulMax);
  return randInt(rng, 2, lp.addMax);
}

/** LaTeX of a left-associated chain, with parentheses where precedence needs them. */
export function chainLatex(nums: readonly number[], ops: readonly string[]): string {
  let expr = String(nums[0]);
  let top = "";
  ops.forEach((op, i) => {
    const tight = op === "*" || op === "/";
    if (tight && (top === "+" || top === "-")) expr = `(${expr})`;
    expr = `${expr} ${OP_LATEX[op]} ${intLatex(nums[i + 1], true)}`;
    top = op;
  });
  return expr;
}

const FIRST: Record<string, string> = {
  "+": "{N} has {a} {I} and gets {b} more.",
  "-": "{N} has {a} {I} and gives away {b}.",
  "*": "{N} has {a} bags with {b} {I} in each.",
  "/": "{N} splits {a} {I} into {b} equal piles and keeps one pile.",
};
const NEXT: Record<string, string> = {
  "+": "Then {N} gets {b} more.",
  "-": "Then {N} gives away {b}.",
  "*": "Then {N} gets {b} times as many.",
  "/": "Then {N} splits them into {b} equal piles and keeps one.",
};

function wordProblem(rng: Rng, nums: readonly number[], ops: readonly string[]): string {
  const name = pick(rng, NAMES);
  const items = pick(rng, ITEMS);
  const fill = (s: string, a: number, b: number) =>
    s.replace(/\{N\}/g, name).replace("{I}", items).replace("{a}", String(a)).replace("{b}", String(b));
  const parts = [fill(FIRST[ops[0]], nums[0], nums[1])];
  for (let i = 1; i < ops.length; i++) parts.push(fill(NEXT[ops[i]], 0, nums[i + 1]));
  parts.push(`How many ${items} does ${name} have now?`);
  return parts.join(" ");
}

/** Sample a chain of 1 (Easy) or 2–3 (Hard) operations; ~40% are told as a story. */
export function sampleArithmetic(rng: Rng, level: SynthLevel, lp: LevelParams): Sampled {
  const nOps = randInt(rng, lp.chain[0], lp.chain[1]);
  const word = rng.next() < lp.wordFraction;
  const allowNegative = !word && level === "Hard" && rng.next() < lp.negFraction;
  const allowed = OPS.filter((op) => lp.ops.includes(op));
  if (allowed.length === 0)
    throw new Error(`arithmetic: level ops ${JSON.stringify(lp.ops)} has none of + - * /`);
  const op0 = pick(rng, allowed);
  const nums = [firstOperand(rng, op0, lp)];
  const ops: string[] = [];
  let acc = nums[0];
  for (let i = 0; i < nOps; i++) {
    const candidates = i === 0 ? [op0, ...allowed] : rng.shuffle([...allowed]);
    for (const op of candidates) {
      const b = operandFor(rng, acc, op, lp, allowNegative);
      if (b === null) continue;
      ops.push(op);
      nums.push(b);
      acc = applyOp(acc, op, b);
      break;
    }
  }
  const form = word ? "word" : "chain";
  const expr = chainLatex(nums, ops);
  const problem = word
    ? wordProblem(rng, nums, ops)
    : pick(rng, [`Compute $${expr}$.`, `What is $${expr}$?`, `Evaluate $${expr}$.`]);
  return { problem, params: { kind: "arithmetic", form, nums, ops } };
}

/** Solve left to right, one line per operation. */
export function solveArithmetic(p: SynthParams, fault?: Fault): Solved {
  const t = new Tracer(fault);
  const ops = p.ops ?? [];
  let acc = p.nums[0];
  ops.forEach((op, i) => {
    acc = t.bin(acc, op, p.nums[i + 1]);
  });
  return t.done(String(acc));
}

/** Opening lines of a trace for this kind. */
export const ARITHMETIC_LEADS: readonly string[] = [
  "Work left to right.",
  "Compute step by step.",
  "Let me compute.",
];

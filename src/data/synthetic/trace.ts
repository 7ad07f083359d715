/**
 * Arithmetic that writes its own reasoning lines: exact fractions and integers in LaTeX, and a Tracer that
 * records each step and can inject one fault.
 */
import type { Fault, Solved } from "./types";

/** Greatest common divisor of |a| and |b| (gcd(0, 0) = 0). */
export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** A fraction n/d, d > 0. Not necessarily reduced (the traces show unreduced intermediates). */
export interface Frac {
  n: number;
  d: number;
}

/** Reduce to lowest terms with a positive denominator. */
export function reduce(f: Frac): Frac {
  if (f.d === 0) throw new Error(`reduce: zero denominator in ${f.n}/${f.d}`);
  const g = gcd(f.n, f.d) || 1;
  const s = f.d < 0 ? -1 : 1;
  return { n: (s * f.n) / g, d: (s * f.d) / g };
}

/** LaTeX of a fraction as written (`\frac{6}{8}`, `-\frac{1}{2}`); denominator 1 prints as an integer. */
export function fracLatex(f: Frac): string {
  if (f.d === 1) return String(f.n);
  const body = `\\frac{${Math.abs(f.n)}}{${f.d}}`;
  return f.n < 0 ? `-${body}` : body;
}

/** Integer LaTeX (negative numbers as `-7`); in an operand position negatives get parentheses. */
export function intLatex(x: number, operand = false): string {
  return operand && x < 0 ? `(${x})` : String(x);
}

/** The LaTeX symbol of a binary operator. */
export const OP_LATEX: Readonly<Record<string, string>> = Object.freeze({
  "+": "+",
  "-": "-",
  "*": "\\times",
  "/": "\\div",
});

/** Exact integer result of `a op b` (÷ must divide exactly for a correct trace). */
export function applyOp(a: number, op: string, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return Math.round(a / b);
    default:
      throw new Error(`applyOp: unknown operator '${op}' (use + - * /)`);
  }
}

/**
 * Records reasoning lines while computing, and injects at most one {@link Fault}: the faulty step's result is
 * off by `fault.delta`, and every later step computes from the wrong value, so the final answer is wrong too.
 */
export class Tracer {
  readonly steps: string[] = [];
  readonly partials: string[] = [];
  private k = 0;

  constructor(private readonly fault?: Fault) {}

  /** Apply the fault (if this is its step) to a freshly computed integer, and count the step. */
  private tick(value: number): number {
    const hit = this.fault !== undefined && this.fault.step === this.k;
    this.k++;
    const v = hit ? value + (this.fault as Fault).delta : value;
    this.partials.push(String(v));
    return v;
  }

  /** One computational line `a op b = r`, with an optional prefix (e.g. `3x = `). */
  bin(a: number, op: string, b: number, prefix = ""): number {
    const r = this.tick(applyOp(a, op, b));
    this.steps.push(`${prefix}${intLatex(a)} ${OP_LATEX[op]} ${intLatex(b, true)} = ${r}`);
    return r;
  }

  /** A computational line whose text the caller writes from the (possibly faulty) value. */
  calc(value: number, line: (v: number) => string): number {
    const v = this.tick(value);
    this.steps.push(line(v));
    return v;
  }

  /** A non-computational line (a restatement, a plan). */
  say(line: string): void {
    this.steps.push(line);
  }

  /** Finish: the final answer as LaTeX. */
  done(answer: string): Solved {
    return { steps: [...this.steps], answer, nSteps: this.k, partials: [...this.partials] };
  }
}

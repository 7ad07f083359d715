/** Linear equations of the synthetic curriculum: one-step (Easy) and two-step (Hard) forms in x. */
import type { Rng } from "../../util/rng";
import type { Sampled } from "./arithmetic";
import { Tracer } from "./trace";
import type { Fault, LevelParams, Solved, SynthLevel, SynthParams } from "./types";
import { NAMES, pick, randInt } from "./words";

/** Forms and the equation each renders, from (a, b, c). */
const EASY_FORMS = ["x+a=c", "x-a=c", "ax=c", "x/a=c"] as const;
const HARD_FORMS = ["ax+b=c", "ax-b=c", "a(x+b)=c", "x/a+b=c"] as const;

/** LaTeX of the equation for a form and its numbers. */
export function equationLatex(form: string, nums: readonly number[]): string {
  const [a, b, c] = form.includes("b") ? nums : [nums[0], 0, nums[1]];
  switch (form) {
    case "x+a=c":
      return `x + ${a} = ${c}`;
    case "x-a=c":
      return `x - ${a} = ${c}`;
    case "ax=c":
      return `${a}x = ${c}`;
    case "x/a=c":
      return `\\frac{x}{${a}} = ${c}`;
    case "ax+b=c":
      return `${a}x + ${b} = ${c}`;
    case "ax-b=c":
      return `${a}x - ${b} = ${c}`;
    case "a(x+b)=c":
      return `${a}(x + ${b}) = ${c}`;
    case "x/a+b=c":
      return `\\frac{x}{${a}} + ${b} = ${c}`;
    default:
      throw new Error(`equationLatex: unknown form '${form}'`);
  }
}

/** The right-hand side c for a chosen solution x (so every equation has an integer solution). */
function rhs(form: string, a: number, b: number, x: number): number {
  if (form === "x+a=c") return x + a;
  if (form === "x-a=c") return x - a;
  if (form === "ax=c") return a * x;
  if (form === "x/a=c") return x / a;
  if (form === "ax+b=c") return a * x + b;
  if (form === "ax-b=c") return a * x - b;
  if (form === "a(x+b)=c") return a * (x + b);
  return x / a + b;
}

/** Easy: one step (x ± a = c, ax = c, x/a = c). Hard: two steps (ax ± b = c, a(x + b) = c, x/a + b = c). */
export function sampleEquations(rng: Rng, level: SynthLevel, lp: LevelParams): Sampled {
  const all: readonly string[] = level === "Easy" ? EASY_FORMS : HARD_FORMS;
  const forms = lp.eqForms ? all.filter((f) => lp.eqForms?.includes(f)) : all;
  if (forms.length === 0)
    throw new Error(`equations: eqForms ${JSON.stringify(lp.eqForms)} has none of ${all.join(", ")}`);
  const form = pick(rng, forms);
  const a =
    form.startsWith("x+") || form.startsWith("x-") ? randInt(rng, 1, lp.addMax) : randInt(rng, 2, lp.mulMax);
  const b = randInt(rng, 1, Math.min(lp.addMax, 20));
  let x = level === "Easy" ? randInt(rng, 1, lp.xMax) : randInt(rng, -lp.xMax, lp.xMax) || 1;
  if (form.startsWith("x/")) x = a * (level === "Easy" ? randInt(rng, 1, lp.xMax) : randInt(rng, -5, 9) || 2);
  const c = rhs(form, a, b, x);
  const nums = form.includes("b") ? [a, b, c] : [a, c];
  const eq = equationLatex(form, nums);
  const problem =
    level === "Easy" && form === "x+a=c" && rng.next() < 0.4
      ? `${pick(rng, NAMES)} thinks of a number, adds ${a}, and gets ${c}. What is the number?`
      : pick(rng, [`Solve for $x$: $${eq}$.`, `If $${eq}$, what is $x$?`, `Find $x$ if $${eq}$.`]);
  return { problem, params: { kind: "equations", form, nums } };
}

/** Undo the operations one at a time, outermost first. */
export function solveEquations(p: SynthParams, fault?: Fault): Solved {
  const t = new Tracer(fault);
  const f = p.form;
  const [a, b, c] = f.includes("b") ? p.nums : [p.nums[0], 0, p.nums[1]];
  let x: number;
  if (f === "x+a=c") x = t.bin(c, "-", a, "x = ");
  else if (f === "x-a=c") x = t.bin(c, "+", a, "x = ");
  else if (f === "ax=c") x = t.bin(c, "/", a, "x = ");
  else if (f === "x/a=c") x = t.bin(c, "*", a, "x = ");
  else if (f === "ax+b=c") x = t.bin(t.bin(c, "-", b, `${a}x = `), "/", a, "x = ");
  else if (f === "ax-b=c") x = t.bin(t.bin(c, "+", b, `${a}x = `), "/", a, "x = ");
  else if (f === "a(x+b)=c") x = t.bin(t.bin(c, "/", a, `x + ${b} = `), "-", b, "x = ");
  else if (f === "x/a+b=c") x = t.bin(t.bin(c, "-", b, `\\frac{x}{${a}} = `), "*", a, "x = ");
  else throw new Error(`solveEquations: unknown form '${f}'`);
  return t.done(String(x));
}

/** Opening lines of a trace for this kind. */
export const EQUATION_LEADS: readonly string[] = ["Isolate x.", "Undo each operation.", "Solve for x."];

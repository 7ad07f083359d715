/** Fraction problems of the synthetic curriculum: reducing (Easy) and a/b op c/d with + − × ÷ (Hard). */
import type { Rng } from "../../util/rng";
import type { Sampled } from "./arithmetic";
import { type Frac, fracLatex, gcd, OP_LATEX, reduce, Tracer } from "./trace";
import type { Fault, LevelParams, Solved, SynthLevel, SynthParams } from "./types";
import { pick, randInt } from "./words";

/** A proper fraction p/q in lowest terms with 2 ≤ q ≤ denMax. */
function properFraction(rng: Rng, lp: LevelParams): Frac {
  for (;;) {
    const q = randInt(rng, 2, lp.denMax);
    const p = randInt(rng, 1, q - 1);
    if (gcd(p, q) === 1) return { n: p, d: q };
  }
}

const lcm = (a: number, b: number) => (a / gcd(a, b)) * b;

/** Easy: reduce k·p / k·q. Hard: a/b op c/d with + − × ÷, whose raw result usually needs reducing. */
export function sampleFractions(rng: Rng, level: SynthLevel, lp: LevelParams): Sampled {
  if (level === "Easy") {
    const f = properFraction(rng, lp);
    const k = randInt(rng, 2, 6);
    const tex = `\\frac{${k * f.n}}{${k * f.d}}`;
    const problem = pick(rng, [`Simplify $${tex}$.`, `Write $${tex}$ in lowest terms.`]);
    return { problem, params: { kind: "fractions", form: "reduce", nums: [k * f.n, k * f.d] } };
  }
  const wantReducible = rng.next() < 0.7;
  for (let tries = 0; ; tries++) {
    const x = properFraction(rng, lp);
    const y = properFraction(rng, lp);
    const op = pick(rng, ["+", "-", "*", "/"]);
    const params: SynthParams = { kind: "fractions", form: "binary", nums: [x.n, x.d, y.n, y.d], ops: [op] };
    const raw = rawResult(params.nums, op);
    if (raw.n === 0 || (wantReducible && gcd(raw.n, raw.d) === 1 && tries < 20)) continue;
    const expr = `\\frac{${x.n}}{${x.d}} ${OP_LATEX[op]} \\frac{${y.n}}{${y.d}}`;
    const problem = pick(rng, [`Compute $${expr}$.`, `What is $${expr}$? Give the answer in lowest terms.`]);
    return { problem, params };
  }
}

/** The unreduced result the trace shows before reducing (common denominator for + and −). */
function rawResult(nums: readonly number[], op: string): Frac {
  const [a, b, c, d] = nums;
  if (op === "*") return { n: a * c, d: b * d };
  if (op === "/") return { n: a * d, d: b * c };
  const l = lcm(b, d);
  return { n: op === "+" ? a * (l / b) + c * (l / d) : a * (l / b) - c * (l / d), d: l };
}

/** Add a reduction line when the fraction is not in lowest terms; returns the reduced value. */
function reduceLine(t: Tracer, f: Frac): Frac {
  const r = reduce(f);
  if (r.n !== f.n || r.d !== f.d) t.say(`${fracLatex(f)} = ${fracLatex(r)}`);
  return r;
}

/** Solve with one line per numerator computation (denominators are never faulted, so never zero). */
export function solveFractions(p: SynthParams, fault?: Fault): Solved {
  const t = new Tracer(fault);
  if (p.form === "reduce") {
    const [a, b] = p.nums;
    const g = t.calc(gcd(a, b), (v) => `\\gcd(${a}, ${b}) = ${v}`);
    const safe = g <= 0 ? 1 : g;
    const n = t.bin(a, "/", safe);
    const den = Math.max(1, Math.round(b / safe));
    t.say(`${b} \\div ${safe} = ${den}`);
    const r = reduce({ n, d: den });
    t.say(`\\frac{${a}}{${b}} = ${fracLatex(r)}`);
    return t.done(fracLatex(r));
  }
  const [a, b, c, d] = p.nums;
  const op = (p.ops ?? ["+"])[0];
  const fx = `\\frac{${a}}{${b}}`;
  const fy = `\\frac{${c}}{${d}}`;
  let raw: Frac;
  if (op === "+" || op === "-") {
    const l = lcm(b, d);
    const n1 = l === b ? a : t.calc(a * (l / b), (v) => `${fx} = \\frac{${v}}{${l}}`);
    const n2 = l === d ? c : t.calc(c * (l / d), (v) => `${fy} = \\frac{${v}}{${l}}`);
    const n = t.calc(
      op === "+" ? n1 + n2 : n1 - n2,
      (v) => `\\frac{${n1}}{${l}} ${op} \\frac{${n2}}{${l}} = ${frac(v, l)}`,
    );
    raw = { n, d: l };
  } else if (op === "*") {
    const n = t.calc(a * c, (v) => `${fx} \\times ${fy} = ${frac(v, b * d)}`);
    raw = { n, d: b * d };
  } else {
    const n = t.calc(
      a * d,
      (v) => `${fx} \\div ${fy} = ${fx} \\times \\frac{${d}}{${c}} = ${frac(v, b * c)}`,
    );
    raw = { n, d: b * c };
  }
  return t.done(fracLatex(reduceLine(t, raw)));
}

/** `\frac{n}{d}` exactly as computed (sign in front, not reduced, denominator kept even when 1). */
function frac(n: number, d: number): string {
  return n < 0 ? `-\\frac{${-n}}{${d}}` : `\\frac{${n}}{${d}}`;
}

/** Opening lines of a trace for this kind. */
export const FRACTION_LEADS: readonly string[] = [
  "Use a common factor.",
  "Work with the fractions.",
  "Reduce at the end.",
];

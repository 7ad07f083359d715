/** Plausible wrong answers: an answer moved by a small amount, in the same LaTeX style. */
import type { Rng } from "../../util/rng";
import { fracLatex, reduce } from "./trace";

/**
 * A different, plausible answer in the same LaTeX style: an integer moved by ±1..3, or a fraction whose numerator
 * moved by ±1 (reduced again). Always differs from `answer` as a value.
 */
export function perturbAnswer(answer: string, rng: Rng): string {
  const delta = (rng.next() < 0.5 ? -1 : 1) * (1 + rng.int(3));
  if (/^-?\d+$/.test(answer)) return String(Number(answer) + delta);
  const m = /^(-?)\\frac\{(\d+)\}\{(\d+)\}$/.exec(answer);
  if (!m) throw new Error(`perturbAnswer: cannot perturb '${answer}' (expected an integer or \\frac{a}{b})`);
  const n = (m[1] === "-" ? -1 : 1) * Number(m[2]);
  const d = Number(m[3]);
  // n/d + 1/d·sign changes the value whenever delta ≠ 0, so the reduced result differs from the answer.
  return fracLatex(reduce({ n: n + Math.sign(delta), d }));
}

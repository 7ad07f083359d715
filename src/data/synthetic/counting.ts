/** Counting problems of the synthetic curriculum: multiples in a range, inclusion–exclusion, handshakes. */
import type { Rng } from "../../util/rng";
import type { Sampled } from "./arithmetic";
import { gcd, Tracer } from "./trace";
import type { Fault, LevelParams, Solved, SynthLevel, SynthParams } from "./types";
import { pick, randInt } from "./words";

/**
 * Easy: multiples of k in 1..N, or integers in a..b. Hard: multiples of a or b (inclusion–exclusion), integers
 * in 1..N that are not multiples of k, multiples of k in a..N, or handshakes among n people.
 */
export function sampleCounting(rng: Rng, level: SynthLevel, lp: LevelParams): Sampled {
  const N = randInt(rng, 20, lp.countMax);
  if (level === "Easy") {
    if (rng.next() < 0.5) {
      const k = randInt(rng, 2, lp.mulMax);
      return { problem: `How many multiples of ${k} are there from 1 to ${N}?`, params: p("mult", [k, N]) };
    }
    const a = randInt(rng, 2, 40);
    const b = a + randInt(rng, 3, 40);
    return {
      problem: `How many integers are there from ${a} to ${b}, inclusive?`,
      params: p("range", [a, b]),
    };
  }
  const form = pick(rng, ["or", "not", "between", "handshakes"]);
  if (form === "or") {
    let a: number;
    let b: number;
    do [a, b] = [randInt(rng, 2, 7), randInt(rng, 2, 7)];
    while (a >= b || gcd(a, b) !== 1);
    return {
      problem: `How many integers from 1 to ${N} are multiples of ${a} or ${b}?`,
      params: p(form, [a, b, N]),
    };
  }
  const k = randInt(rng, 2, lp.mulMax);
  if (form === "not") {
    return {
      problem: `How many integers from 1 to ${N} are not multiples of ${k}?`,
      params: p(form, [k, N]),
    };
  }
  if (form === "between") {
    const a = randInt(rng, 5, Math.floor(N / 2));
    return { problem: `How many multiples of ${k} are there from ${a} to ${N}?`, params: p(form, [k, a, N]) };
  }
  const n = randInt(rng, 3, 12);
  return {
    problem: `${n} people each shake hands with every other person once. How many handshakes are there?`,
    params: p("handshakes", [n]),
  };
}

const p = (form: string, nums: number[]): SynthParams => ({ kind: "counting", form, nums });

/** floor(N / k) as one traced line. */
function floorLine(t: Tracer, N: number, k: number): number {
  return t.calc(Math.floor(N / k), (v) => `\\lfloor ${N} / ${k} \\rfloor = ${v}`);
}

/** Count with floors, inclusion–exclusion, or n(n − 1)/2. */
export function solveCounting(prm: SynthParams, fault?: Fault): Solved {
  const t = new Tracer(fault);
  const x = prm.nums;
  let r: number;
  if (prm.form === "mult") r = floorLine(t, x[1], x[0]);
  else if (prm.form === "range") r = t.calc(x[1] - x[0] + 1, (v) => `${x[1]} - ${x[0]} + 1 = ${v}`);
  else if (prm.form === "not") r = t.bin(x[1], "-", floorLine(t, x[1], x[0]));
  else if (prm.form === "between") {
    const hi = floorLine(t, x[2], x[0]);
    const lo = floorLine(t, x[1] - 1, x[0]);
    r = t.bin(hi, "-", lo);
  } else if (prm.form === "or") {
    const [a, b, N] = x;
    const qa = floorLine(t, N, a);
    const qb = floorLine(t, N, b);
    const qab = floorLine(t, N, a * b);
    r = t.calc(qa + qb - qab, (v) => `${qa} + ${qb} - ${qab} = ${v}`);
  } else if (prm.form === "handshakes") {
    r = t.bin(t.bin(x[0], "*", x[0] - 1), "/", 2);
  } else throw new Error(`solveCounting: unknown form '${prm.form}'`);
  return t.done(String(r));
}

/** Opening lines of a trace for this kind. */
export const COUNTING_LEADS: readonly string[] = ["Count with division.", "Count carefully."];

/** Remainder problems of the synthetic curriculum: n mod m (Easy) and sums, products or stories mod m (Hard). */
import type { Rng } from "../../util/rng";
import type { Sampled } from "./arithmetic";
import { Tracer } from "./trace";
import type { Fault, LevelParams, Solved, SynthLevel, SynthParams } from "./types";
import { ITEMS, NAMES, pick, randInt } from "./words";

/** Easy: n mod m for a two-digit n. Hard: (a × b + c) mod m, (a + b + c) mod m, or a story with a × b items. */
export function sampleRemainders(rng: Rng, level: SynthLevel, lp: LevelParams): Sampled {
  const m = randInt(rng, 2, lp.modMax);
  if (level === "Easy") {
    const n = randInt(rng, Math.min(Math.max(10, m + 1), lp.modNMax), Math.max(lp.modNMax, m + 1));
    const problem =
      rng.next() < 0.4
        ? `${pick(rng, NAMES)} packs ${n} eggs into boxes of ${m}. How many eggs are left over?`
        : `What is the remainder when ${n} is divided by ${m}?`;
    return { problem, params: { kind: "remainders", form: "n%m", nums: [n, m] } };
  }
  const form = pick(rng, ["a*b+c%m", "a+b+c%m", "bags%m"]);
  if (form === "a+b+c%m") {
    const [a, b, c] = [randInt(rng, 10, 40), randInt(rng, 10, 40), randInt(rng, 2, 30)];
    const problem = `What is the remainder when $${a} + ${b} + ${c}$ is divided by ${m}?`;
    return { problem, params: { kind: "remainders", form, nums: [a, b, c, m] } };
  }
  const a = randInt(rng, 2, lp.mulMax);
  const b = randInt(rng, Math.max(3, Math.ceil((m + 1) / a)), 12);
  if (form === "bags%m") {
    const items = pick(rng, ITEMS);
    const problem = `${pick(rng, NAMES)} has ${a} bags of ${b} ${items} and packs them into boxes of ${m}. How many ${items} are left over?`;
    return { problem, params: { kind: "remainders", form, nums: [a, b, m] } };
  }
  const c = randInt(rng, 1, 20);
  const problem = `What is the remainder when $${a} \\times ${b} + ${c}$ is divided by ${m}?`;
  return { problem, params: { kind: "remainders", form, nums: [a, b, c, m] } };
}

/** Compute the dividend, then write it as m × q + r. */
export function solveRemainders(p: SynthParams, fault?: Fault): Solved {
  const t = new Tracer(fault);
  const nums = p.nums;
  const m = nums[nums.length - 1];
  let n: number;
  if (p.form === "n%m") n = nums[0];
  else if (p.form === "bags%m") n = t.bin(nums[0], "*", nums[1]);
  else if (p.form === "a*b+c%m") n = t.bin(t.bin(nums[0], "*", nums[1]), "+", nums[2]);
  else if (p.form === "a+b+c%m") n = t.bin(t.bin(nums[0], "+", nums[1]), "+", nums[2]);
  else throw new Error(`solveRemainders: unknown form '${p.form}'`);
  const q = Math.floor(n / m);
  const mq = t.bin(m, "*", q);
  const r = t.bin(n, "-", mq);
  return t.done(String(r));
}

/** Opening lines of a trace for this kind. */
export const REMAINDER_LEADS: readonly string[] = [
  "Find the largest multiple that fits.",
  "Divide and keep the rest.",
];

/** Names, items and seeded picking helpers for the word problems of the synthetic curriculum. */
import type { Rng } from "../../util/rng";

/** Short one-token-ish names for word problems (no pronouns needed: the name is repeated). */
export const NAMES: readonly string[] = Object.freeze([
  "Ann",
  "Ben",
  "Cal",
  "Dee",
  "Eva",
  "Finn",
  "Gus",
  "Hana",
  "Ivy",
  "Jo",
  "Kai",
  "Lea",
  "Max",
  "Nia",
  "Omar",
  "Pia",
  "Raj",
  "Sam",
  "Tia",
  "Uma",
]);

/** Countable items (plural). */
export const ITEMS: readonly string[] = Object.freeze([
  "apples",
  "pens",
  "cards",
  "eggs",
  "books",
  "coins",
  "shells",
  "stickers",
  "marbles",
  "cookies",
]);

/** Uniform pick from a non-empty list. */
export function pick<T>(rng: Rng, xs: readonly T[]): T {
  if (xs.length === 0) throw new Error("pick: empty list");
  return xs[rng.int(xs.length)];
}

/** Uniform integer in [lo, hi] (inclusive). */
export function randInt(rng: Rng, lo: number, hi: number): number {
  if (hi < lo) throw new Error(`randInt: empty range [${lo}, ${hi}]`);
  return lo + rng.int(hi - lo + 1);
}

/** Pick by weights (need not sum to 1); keys in insertion order, so the draw is deterministic. */
export function pickWeighted<K extends string>(rng: Rng, weights: Readonly<Record<K, number>>): K {
  const keys = Object.keys(weights) as K[];
  const total = keys.reduce((s, k) => s + Math.max(0, weights[k]), 0);
  if (!(total > 0))
    throw new Error(`pickWeighted: weights must have a positive sum, got ${JSON.stringify(weights)}`);
  let u = rng.next() * total;
  for (const k of keys) {
    u -= Math.max(0, weights[k]);
    if (u < 0) return k;
  }
  return keys[keys.length - 1];
}

/**
 * The config schema machinery (src/config/schema.ts): the types derived from a table (checked by tsc), the
 * frozen defaults, each kind's check and its one-line fix, and the did-you-mean hint.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ConfigOf, checkField, defaultsOf, didYouMean, type Schema } from "../../src/config/schema";
import type { GrpoConfig } from "../../src/grpo/config";
import type { SftConfig } from "../../src/sft/config";

/** True when A and B are the same type (a compile-time check: a wrong `true` fails tsc). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const COLORS = ["red", "green"] as const;
const SCHEMA = {
  n: { kind: "int", min: 1, default: 2, doc: "a count ≥ 1" },
  x: { kind: "number?", default: null, doc: "a number or null" },
  name: { kind: "string", default: "a", doc: "a string" },
  color: { kind: "enum", values: COLORS, default: "red", doc: "one of the colors" },
  tags: { kind: "strings?", default: null, doc: "a list of strings, one string, or null" },
  opts: { kind: "object", default: { k: 1 } as { k?: number }, doc: "a mapping" },
  on: { kind: "bool", default: false, doc: "a flag" },
} as const satisfies Schema;
type Config = ConfigOf<typeof SCHEMA>;

// The derived types (tsc fails here if a derivation goes wrong).
const derived: [
  Same<Config["n"], number>,
  Same<Config["x"], number | null>,
  Same<Config["color"], "red" | "green">,
  Same<Config["tags"], string[] | null>,
  Same<Config["opts"], { k?: number }>,
  Same<Config["on"], boolean>,
  Same<GrpoConfig["loss_type"], "grpo" | "bnpo" | "dr_grpo" | "dapo">,
  Same<GrpoConfig["lr_scheduler_kwargs"], { min_lr_rate?: number; min_lr?: number }>,
  Same<GrpoConfig["reward_weights"], number[] | null>,
  Same<GrpoConfig["rollout_engine"], "tfjs" | "llama.cpp" | "servers">,
  Same<SftConfig["optimizer"], "adamw" | "tf-adam">,
  Same<SftConfig["output_dir"], string | null>,
] = [true, true, true, true, true, true, true, true, true, true, true, true];

const fail = (key: string, value: unknown, fix: string) =>
  new Error(`${key} = ${JSON.stringify(value)} is invalid: ${fix}`);
const check = (key: keyof typeof SCHEMA, value: unknown) => checkField(key, SCHEMA[key], value, fail);

describe("config schema", () => {
  it("derives the types from the table", () => {
    assert.ok(derived.every(Boolean));
  });

  it("defaults are the table's, frozen one level deep", () => {
    const d = defaultsOf(SCHEMA);
    assert.deepEqual(d, { n: 2, x: null, name: "a", color: "red", tags: null, opts: { k: 1 }, on: false });
    assert.ok(Object.isFrozen(d) && Object.isFrozen(d.opts));
  });

  it("checks each kind and names the fix", () => {
    assert.equal(check("n", 3), 3);
    assert.throws(() => check("n", 0), /^Error: n = 0 is invalid: expected an integer ≥ 1$/);
    assert.throws(() => check("n", 1.5), /expected an integer ≥ 1/);
    assert.equal(check("x", null), null);
    assert.throws(() => check("x", Number.NaN), /x = null is invalid: expected a finite number/);
    assert.throws(() => check("name", null), /expected a string$/);
    assert.throws(() => check("color", "blue"), /color = "blue" is invalid: use one of red, green/);
    assert.deepEqual(check("tags", "one"), ["one"], "a strings? field takes one string as a list");
    assert.throws(() => check("tags", [1]), /expected a list of strings \(or one string\) or null/);
    assert.throws(() => check("opts", [1]), /expected a mapping/);
    assert.throws(() => check("on", "yes"), /expected true or false/);
  });

  it("returns copies of lists and mappings", () => {
    const opts = { k: 2 };
    const out = check("opts", opts);
    assert.deepEqual(out, opts);
    assert.notEqual(out, opts);
  });

  it("hints the closest key within three edits", () => {
    assert.equal(didYouMean("learning_rat", ["learning_rate", "seed"]), " Did you mean learning_rate?");
    assert.equal(didYouMean("zzzzzzzz", ["learning_rate", "seed"]), "");
  });
});

/**
 * A quickstart/experiment YAML: a flat GRPO config (TRL names, as `open-rs train` reads) plus one
 * `quickstart:` block with what only the miniature needs (which synthetic rows, the held-out eval, a wall-time
 * budget). The block is split off before the GRPO keys are validated.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import {
  type ConfigOf,
  checkField,
  defaultsOf,
  didYouMean,
  hasOwn,
  mutableDefaults,
  type Schema,
} from "../config/schema";
import type { GrpoConfig } from "../grpo/config";
import { mergeOverrides, resolveGrpoConfig } from "../grpo/config-resolve";
import { HELDOUT_EVAL_SCHEMA, type HeldoutEvalOptions } from "./eval";

/** Which synthetic training rows a quickstart trains on. */
export const TRAIN_LEVELS = ["Hard", "Easy", "mix"] as const;

/** The `quickstart:` block, declared once (src/config/schema.ts). */
export const QUICKSTART_SCHEMA = {
  train_levels: {
    kind: "enum",
    values: TRAIN_LEVELS,
    default: "mix",
    doc: "Training rows: `Hard` only, `Easy` only, or `mix` (the curriculum's training split as is). Default `mix`.",
  },
  eval_hard: {
    kind: "int",
    min: 0,
    default: 100,
    doc: "Held-out Hard problems evaluated before and after (the first N of the fixed set). Default 100.",
  },
  eval_easy: {
    kind: "int",
    min: 0,
    default: 0,
    doc: "Held-out Easy problems evaluated before and after. Default 0.",
  },
  eval_every: {
    kind: "int",
    min: 0,
    default: 0,
    doc: "Evaluate every N steps during training too (0: only before and after). Default 0.",
  },
  eval: {
    kind: "object",
    default: {} as Partial<HeldoutEvalOptions>,
    doc: "Held-out sampling (n, temperature, topP, maxNewTokens, seed, systemPrompt, batchSize; src/quickstart/eval.ts).",
  },
  max_train_seconds: {
    kind: "number",
    min: 0,
    default: 0,
    doc: "Stop training after this many seconds of wall time (0: no budget). Default 0.",
  },
} as const satisfies Schema;

/** The `quickstart:` block: one value per field of {@link QUICKSTART_SCHEMA}. */
export type QuickstartSpec = ConfigOf<typeof QUICKSTART_SCHEMA>;

/** Defaults of {@link QuickstartSpec}. */
export const QUICKSTART_DEFAULTS: Readonly<QuickstartSpec> = defaultsOf(QUICKSTART_SCHEMA);

/** A loaded quickstart file. */
export interface QuickstartConfig {
  grpo: Readonly<GrpoConfig>;
  spec: QuickstartSpec;
  warnings: string[];
}

/** Checks the `quickstart:` block's keys (own properties only) and values; errors name `quickstart.<key>`. */
function checkSpec(block: Record<string, unknown>, source: string): QuickstartSpec {
  const fail = (key: string, v: unknown, fix: string) =>
    new Error(`${source}: quickstart.${key} = ${JSON.stringify(v)} is invalid: ${fix}`);
  const spec = mutableDefaults(QUICKSTART_SCHEMA);
  for (const [k, v] of Object.entries(block)) {
    if (!hasOwn(QUICKSTART_SCHEMA, k)) {
      const valid = Object.keys(QUICKSTART_SCHEMA);
      throw new Error(
        `${source}: unknown quickstart key "${k}";${didYouMean(k, valid)} valid: ${valid.join(", ")}`,
      );
    }
    spec[k] = checkField(k, QUICKSTART_SCHEMA[k as keyof QuickstartSpec], v, fail);
    if (k === "eval") checkEval(spec[k] as Record<string, unknown>, fail);
  }
  return spec as unknown as QuickstartSpec;
}

/** Checks the `quickstart.eval` mapping against the held-out eval's fields. */
function checkEval(
  block: Record<string, unknown>,
  fail: (key: string, v: unknown, fix: string) => Error,
): void {
  for (const [k, x] of Object.entries(block)) {
    if (!hasOwn(HELDOUT_EVAL_SCHEMA, k)) {
      throw fail(`eval.${k}`, x, `unknown key; valid: ${Object.keys(HELDOUT_EVAL_SCHEMA).join(", ")}`);
    }
    checkField(`eval.${k}`, HELDOUT_EVAL_SCHEMA[k as keyof typeof HELDOUT_EVAL_SCHEMA], x, fail);
  }
}

/**
 * Parse a quickstart YAML text; `overrides` replace GRPO keys (e.g. `seed`, `output_dir`), and an `overrides.quickstart`
 * object replaces keys of the `quickstart:` block.
 */
export function parseQuickstartConfig(
  text: string,
  overrides: Record<string, unknown> = {},
  source = "quickstart config",
): QuickstartConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new Error(`${source}: not valid YAML (${(e as Error).message.split("\n")[0]})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(`${source}: must be a YAML mapping of key: value`);
  }
  const { quickstart, ...grpoRaw } = raw as Record<string, unknown>;
  if (
    quickstart !== undefined &&
    (typeof quickstart !== "object" || quickstart === null || Array.isArray(quickstart))
  )
    throw new Error(`${source}: quickstart must be a mapping of key: value`);
  // `--set quickstart.key=value` arrives as overrides.quickstart and is merged into the block
  const { quickstart: blockOverrides, ...grpoOverrides } = overrides;
  const block = mergeOverrides(
    (quickstart ?? {}) as Record<string, unknown>,
    (blockOverrides ?? {}) as Record<string, unknown>,
  );
  const spec = checkSpec(block, source);
  const { config, warnings } = resolveGrpoConfig(mergeOverrides(grpoRaw, grpoOverrides));
  return { grpo: config, spec, warnings };
}

/** Read and parse a quickstart YAML file. */
export function loadQuickstartConfig(
  file: string,
  overrides: Record<string, unknown> = {},
): QuickstartConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read quickstart config ${file}: ${(e as Error).message}`);
  }
  return parseQuickstartConfig(text, overrides, file);
}

/**
 * A quickstart/experiment YAML: a flat GRPO config (TRL names, as `open-rs train` reads) plus one
 * `quickstart:` block with what only the miniature needs (which synthetic rows, the held-out eval, a wall-time
 * budget). The block is split off before the GRPO keys are validated.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { GrpoConfig } from "../grpo/config";
import { mergeOverrides, resolveGrpoConfig } from "../grpo/config-resolve";
import type { HeldoutEvalOptions } from "./eval";

/** The `quickstart:` block. */
export interface QuickstartSpec {
  /** Training rows: `Hard` only, `Easy` only, or `mix` (the curriculum's training split as is). Default `mix`. */
  train_levels: "Hard" | "Easy" | "mix";
  /** Held-out Hard problems evaluated before and after (the first N of the fixed set). Default 100. */
  eval_hard: number;
  /** Held-out Easy problems evaluated before and after. Default 0. */
  eval_easy: number;
  /** Evaluate every N steps during training too (0: only before and after). Default 0. */
  eval_every: number;
  /** Held-out sampling (n, temperature, max tokens, ...). */
  eval: Partial<HeldoutEvalOptions>;
  /** Stop training after this many seconds of wall time (0: no budget). Default 0. */
  max_train_seconds: number;
}

/** Defaults of {@link QuickstartSpec}. */
export const QUICKSTART_DEFAULTS: Readonly<QuickstartSpec> = Object.freeze({
  train_levels: "mix",
  eval_hard: 100,
  eval_easy: 0,
  eval_every: 0,
  eval: {},
  max_train_seconds: 0,
});

/** A loaded quickstart file. */
export interface QuickstartConfig {
  grpo: Readonly<GrpoConfig>;
  spec: QuickstartSpec;
  warnings: string[];
}

const EVAL_KEYS: Readonly<Record<string, "int" | "number" | "string?">> = Object.freeze({
  n: "int",
  temperature: "number",
  topP: "number",
  maxNewTokens: "int",
  seed: "int",
  systemPrompt: "string?",
  batchSize: "int",
});

/** Checks the `quickstart:` block's keys (own properties only) and types; errors name `quickstart.<key>`. */
function checkSpec(block: Record<string, unknown>, source: string): QuickstartSpec {
  const fail = (key: string, v: unknown, fix: string) =>
    new Error(`${source}: quickstart.${key} = ${JSON.stringify(v)} is invalid: ${fix}`);
  for (const [k, v] of Object.entries(block)) {
    if (!Object.hasOwn(QUICKSTART_DEFAULTS, k)) {
      throw new Error(
        `${source}: unknown quickstart key "${k}"; valid: ${Object.keys(QUICKSTART_DEFAULTS).join(", ")}`,
      );
    }
    if (k === "train_levels" && !["Hard", "Easy", "mix"].includes(v as string)) {
      throw new Error(
        `${source}: quickstart.train_levels must be Hard, Easy or mix, got ${JSON.stringify(v)}`,
      );
    }
    if (
      ["eval_hard", "eval_easy", "eval_every"].includes(k) &&
      !(Number.isSafeInteger(v) && (v as number) >= 0)
    )
      throw fail(k, v, "expected an integer ≥ 0");
    if (k === "max_train_seconds" && !(typeof v === "number" && v >= 0))
      throw fail(k, v, "expected seconds ≥ 0");
    if (k === "eval") checkEval(v, fail);
  }
  return { ...QUICKSTART_DEFAULTS, ...block } as QuickstartSpec;
}

function checkEval(v: unknown, fail: (key: string, v: unknown, fix: string) => Error): void {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw fail("eval", v, "expected a mapping");
  for (const [k, x] of Object.entries(v)) {
    const kind = Object.hasOwn(EVAL_KEYS, k) ? EVAL_KEYS[k] : undefined;
    if (kind === undefined)
      throw fail(`eval.${k}`, x, `unknown key; valid: ${Object.keys(EVAL_KEYS).join(", ")}`);
    const ok =
      kind === "int"
        ? Number.isSafeInteger(x) && (x as number) >= (k === "seed" ? 0 : 1)
        : kind === "number"
          ? typeof x === "number" && Number.isFinite(x) && x >= 0
          : x === null || typeof x === "string";
    if (!ok)
      throw fail(
        `eval.${k}`,
        x,
        kind === "string?"
          ? "expected a string or null"
          : `expected ${kind === "int" ? "an integer ≥ 1" : "a number ≥ 0"}`,
      );
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

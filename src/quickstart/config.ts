/**
 * A quickstart/experiment YAML: a flat GRPO config (TRL names, as `open-rs train` reads) plus one
 * `quickstart:` block with what only the miniature needs (which synthetic rows, the held-out eval, a wall-time
 * budget). The block is split off before the GRPO keys are validated.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { GrpoConfig } from "../grpo/config";
import { resolveGrpoConfig } from "../grpo/config-resolve";
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

/**
 * Parse a quickstart YAML text; `overrides` replace GRPO keys (e.g. `seed`, `output_dir`), and an `overrides.quickstart`
 * object replaces keys of the `quickstart:` block.
 */
export function parseQuickstartConfig(
  text: string,
  overrides: Record<string, unknown> = {},
  source = "quickstart config",
): QuickstartConfig {
  const raw = parseYaml(text) as Record<string, unknown> | null;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(`${source}: must be a YAML mapping of key: value`);
  }
  const { quickstart, ...grpoRaw } = raw;
  // `--set quickstart.key=value` arrives as overrides.quickstart and is merged into the block
  const { quickstart: blockOverrides, ...grpoOverrides } = overrides;
  const block = { ...((quickstart ?? {}) as object), ...((blockOverrides ?? {}) as object) } as Record<
    string,
    unknown
  >;
  for (const k of Object.keys(block)) {
    if (!(k in QUICKSTART_DEFAULTS)) {
      throw new Error(
        `${source}: unknown quickstart key "${k}"; valid: ${Object.keys(QUICKSTART_DEFAULTS).join(", ")}`,
      );
    }
  }
  const spec = { ...QUICKSTART_DEFAULTS, ...block } as QuickstartSpec;
  if (!["Hard", "Easy", "mix"].includes(spec.train_levels)) {
    throw new Error(`${source}: quickstart.train_levels must be Hard, Easy or mix, got ${spec.train_levels}`);
  }
  const { config, warnings } = resolveGrpoConfig({ ...grpoRaw, ...grpoOverrides });
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

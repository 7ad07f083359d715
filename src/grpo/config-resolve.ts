/**
 * Loading a GRPO config: a partial config or YAML recipe merged over the defaults, each value checked against its
 * field in GRPO_SCHEMA, then the cross-field rules; `--set key=value` overrides; the reward parameters it sets.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { checkField, didYouMean, hasOwn, mutableDefaults, setOwn } from "../config/schema";
import { rewardKeys } from "../rewards/registry";
import { GRPO_SCHEMA, type GrpoConfig, IGNORED_KEYS, RENAMED_KEYS, REWARD_PARAM_KEYS } from "./config";

/** Options for {@link resolveGrpoConfig}. */
export interface ResolveOptions {
  /** Valid reward keys; default: the rewards registry's `rewardKeys()` (built-ins and registered ones). */
  rewardNames?: readonly string[];
  /** Receives one message per ignored key. Default: collected into the returned `warnings` only. */
  warn?: (message: string) => void;
}

/** A validated config plus the warnings raised while resolving it. */
export interface ResolvedConfig {
  config: Readonly<GrpoConfig>;
  warnings: string[];
}

function bad(key: string, value: unknown, fix: string): Error {
  return new Error(`GRPO config: ${key} = ${JSON.stringify(value)} is invalid: ${fix}`);
}

/** One loaded value checked against its field; YAML `true`/`false` for `scale_rewards` mean group/none (TRL). */
function checkValue(key: keyof GrpoConfig, value: unknown): unknown {
  if (key === "scale_rewards" && typeof value === "boolean") return value ? "group" : "none";
  return checkField(key, GRPO_SCHEMA[key], value, bad);
}

function ignoredReason(key: string): string | undefined {
  if (hasOwn(IGNORED_KEYS, key)) return IGNORED_KEYS[key];
  for (const [pattern, reason] of Object.entries(IGNORED_KEYS)) {
    if (pattern.endsWith("*") && key.startsWith(pattern.slice(0, -1))) return reason;
  }
  return undefined;
}

function unknownKeyError(key: string): Error {
  const valid = Object.keys(GRPO_SCHEMA);
  return new Error(
    `GRPO config: unknown key ${key}.${didYouMean(key, valid)} Valid keys: ${valid.join(", ")}.`,
  );
}

/** Cross-field rules; each error names the field, the value and what to set instead. */
function checkRules(c: GrpoConfig, opts: ResolveOptions): void {
  const G = c.num_generations;
  const positive = ["per_device_train_batch_size", "gradient_accumulation_steps", "num_processes"] as const;
  for (const k of [...positive, "max_completion_length", "max_prompt_length", "num_iterations"] as const) {
    if (c[k] < 1) throw bad(k, c[k], "must be ≥ 1");
  }
  if (G < 2) throw bad("num_generations", G, "GRPO needs at least 2 completions per prompt to compute a std");
  const micro = c.per_device_train_batch_size * c.num_processes;
  const global = micro * c.gradient_accumulation_steps;
  if (c.mode === "faithful" && micro % G !== 0) {
    throw bad(
      "per_device_train_batch_size",
      c.per_device_train_batch_size,
      `per_device_train_batch_size × num_processes (${micro}) must be divisible by num_generations (${G}), as TRL@69ad852e requires; e.g. set per_device_train_batch_size to ${G}`,
    );
  }
  if (global % G !== 0) {
    throw bad(
      "per_device_train_batch_size",
      c.per_device_train_batch_size,
      `the global batch (per_device_train_batch_size × num_processes × gradient_accumulation_steps = ${global}) must be divisible by num_generations (${G})`,
    );
  }
  if (c.beta < 0)
    throw bad("beta", c.beta, "the KL coefficient must be ≥ 0 (0 disables the reference model)");
  if (c.epsilon <= 0) throw bad("epsilon", c.epsilon, "must be > 0 (0.2 is TRL's default)");
  if (c.epsilon_high !== null && c.epsilon_high < c.epsilon) {
    throw bad("epsilon_high", c.epsilon_high, `must be ≥ epsilon (${c.epsilon}) or null`);
  }
  if (c.learning_rate < 0) throw bad("learning_rate", c.learning_rate, "must be ≥ 0");
  if (c.temperature <= 0)
    throw bad("temperature", c.temperature, "must be > 0 for sampling (0.7 in Open-RS)");
  if (!(c.top_p > 0 && c.top_p <= 1)) throw bad("top_p", c.top_p, "must be in (0, 1]");
  if (c.warmup_ratio < 0 || c.warmup_ratio > 1)
    throw bad("warmup_ratio", c.warmup_ratio, "must be in [0, 1]");
  if (c.warmup_steps < 0) throw bad("warmup_steps", c.warmup_steps, "must be ≥ 0");
  if (c.max_steps === 0 || c.max_steps < -1)
    throw bad("max_steps", c.max_steps, "use a positive count or -1");
  if (c.max_steps === -1 && !(c.num_train_epochs > 0)) {
    throw bad("num_train_epochs", c.num_train_epochs, "must be > 0 when max_steps is -1");
  }
  for (const k of ["weight_decay", "max_grad_norm", "adam_epsilon", "save_steps"] as const) {
    if (c[k] < 0) throw bad(k, c[k], "must be ≥ 0");
  }
  for (const k of ["adam_beta1", "adam_beta2"] as const) {
    if (c[k] < 0 || c[k] >= 1) throw bad(k, c[k], "must be in [0, 1)");
  }
  if (c.logging_steps < 1) throw bad("logging_steps", c.logging_steps, "must be ≥ 1");
  if (c.max_skipped_steps < 1) throw bad("max_skipped_steps", c.max_skipped_steps, "must be ≥ 1");
  if (c.save_total_limit !== null && c.save_total_limit < 1) {
    throw bad("save_total_limit", c.save_total_limit, "must be ≥ 1 or null (keep all)");
  }
  if (c.repetition_max_penalty !== null && c.repetition_max_penalty > 0)
    throw bad("repetition_max_penalty", c.repetition_max_penalty, "must be ≤ 0");
  if (c.weight_sync_steps < 1) throw bad("weight_sync_steps", c.weight_sync_steps, "must be ≥ 1");
  if (c.rollout_engine === "servers" && !(c.rollout_servers && c.rollout_servers.length > 0)) {
    throw bad(
      "rollout_servers",
      c.rollout_servers,
      'rollout_engine "servers" needs at least one base URL, e.g. ["http://127.0.0.1:8000"]',
    );
  }
  checkSchedule(c);
  checkRewards(c, opts);
  checkFaithful(c);
}

function checkSchedule(c: GrpoConfig): void {
  const kw = c.lr_scheduler_kwargs;
  for (const k of Object.keys(kw)) {
    if (k !== "min_lr_rate" && k !== "min_lr") {
      throw bad(
        `lr_scheduler_kwargs.${k}`,
        (kw as Record<string, unknown>)[k],
        "only min_lr_rate and min_lr are known",
      );
    }
  }
  if (c.lr_scheduler_type !== "cosine_with_min_lr") return;
  const { min_lr_rate: rate, min_lr: abs } = kw;
  if ((rate === undefined) === (abs === undefined)) {
    throw bad(
      "lr_scheduler_kwargs",
      kw,
      "cosine_with_min_lr needs exactly one of min_lr_rate or min_lr (Open-RS: min_lr_rate: 0.1)",
    );
  }
  if (rate !== undefined && !(rate >= 0 && rate <= 1))
    throw bad("lr_scheduler_kwargs.min_lr_rate", rate, "must be in [0, 1]");
  if (abs !== undefined && !(abs >= 0)) throw bad("lr_scheduler_kwargs.min_lr", abs, "must be ≥ 0");
}

function checkRewards(c: GrpoConfig, opts: ResolveOptions): void {
  if (c.reward_funcs.length === 0)
    throw bad("reward_funcs", c.reward_funcs, "name at least one reward function");
  const valid = opts.rewardNames ?? rewardKeys();
  for (const name of c.reward_funcs) {
    if (!valid.includes(name)) {
      throw bad("reward_funcs", name, `unknown reward function; valid names: ${valid.join(", ")}`);
    }
  }
  if (c.reward_weights !== null && c.reward_weights.length !== c.reward_funcs.length) {
    throw bad(
      "reward_weights",
      c.reward_weights,
      `needs one weight per reward function (${c.reward_funcs.length}: ${c.reward_funcs.join(", ")}), or null for all 1`,
    );
  }
}

/** Faithful mode is TRL@69ad852e: options that did not exist there are rejected rather than half-honoured. */
function checkFaithful(c: GrpoConfig): void {
  if (c.mode !== "faithful") return;
  const fix = "TRL@69ad852e had no such option; set mode: fixed to use it";
  if (c.loss_type !== "bnpo")
    throw bad("loss_type", c.loss_type, `faithful mode aggregates as bnpo only; ${fix}`);
  if (c.scale_rewards !== "group")
    throw bad("scale_rewards", c.scale_rewards, `faithful mode scales by group; ${fix}`);
  if (c.epsilon_high !== null && c.epsilon_high !== c.epsilon) throw bad("epsilon_high", c.epsilon_high, fix);
  if (c.top_p !== 1) throw bad("top_p", c.top_p, fix);
  if (c.mask_truncated_completions) throw bad("mask_truncated_completions", true, fix);
  if (c.drop_zero_std_groups) throw bad("drop_zero_std_groups", true, fix);
}

/**
 * Merge a partial config (e.g. parsed YAML) over {@link GRPO_DEFAULTS} and validate it. Unknown keys throw
 * and list the valid ones; keys in {@link IGNORED_KEYS} are dropped with a warning each. A top-level
 * `min_lr_rate`/`min_lr` is folded into `lr_scheduler_kwargs`.
 */
export function resolveGrpoConfig(
  partial: Record<string, unknown>,
  opts: ResolveOptions = {},
): ResolvedConfig {
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    opts.warn?.(message);
  };
  const out = mutableDefaults(GRPO_SCHEMA);
  const kwargs: Record<string, unknown> = {};
  for (const [given, value] of Object.entries(partial)) {
    if (value === undefined) continue;
    if (given === "min_lr_rate" || given === "min_lr") {
      kwargs[given] = value;
      continue;
    }
    const key = renamedKey(given, partial, warn);
    if (key === null) continue;
    if (hasOwn(GRPO_SCHEMA, key)) {
      out[key] = checkValue(key as keyof GrpoConfig, value);
      continue;
    }
    const reason = ignoredReason(key);
    if (reason === undefined) throw unknownKeyError(key);
    warn(`GRPO config: ignoring ${key} (${reason})`);
  }
  out.lr_scheduler_kwargs = { ...(out.lr_scheduler_kwargs as object), ...kwargs };
  const config = out as unknown as GrpoConfig;
  checkRules(config, opts);
  return { config: Object.freeze(config), warnings };
}

/**
 * The current name of `key`: an old name (RENAMED_KEYS) is read as the new one with a warning, or dropped with a
 * warning (null) when the new name is given too.
 */
function renamedKey(key: string, partial: Record<string, unknown>, warn: (m: string) => void): string | null {
  if (!hasOwn(RENAMED_KEYS, key)) return key;
  const current = RENAMED_KEYS[key];
  if (hasOwn(partial, current) && partial[current] !== undefined) {
    warn(`GRPO config: ignoring ${key}, the old name of ${current}, which is also set`);
    return null;
  }
  warn(`GRPO config: ${key} is now called ${current}; reading it as ${current}`);
  return current;
}

/** Parse `key=value` overrides (CLI `--set`); values are YAML scalars/flow lists (`reward_weights=[1,2]`). */
export function parseOverrides(items: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new Error(`--set ${item}: expected key=value, e.g. --set learning_rate=2e-6`);
    const key = item.slice(0, eq).trim();
    const raw = item.slice(eq + 1);
    let value: unknown;
    try {
      value = parseYaml(raw);
    } catch (e) {
      throw new Error(`--set ${item}: the value is not valid YAML (${(e as Error).message.split("\n")[0]})`);
    }
    if (key === "") throw new Error(`--set ${item}: the key is empty; e.g. --set learning_rate=2e-6`);
    if (key.includes(".")) {
      const [outer, inner] = key.split(".", 2);
      const prev = hasOwn(out, outer) ? (out[outer] as object) : {};
      setOwn(out, outer, { ...prev, [inner]: value });
    } else setOwn(out, key, value);
  }
  return out;
}

/** `overrides` over `raw` (mappings merged one level deep), keys kept as own properties whatever their name. */
export function mergeOverrides(
  raw: Record<string, unknown>,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) setOwn(merged, k, v);
  for (const [k, v] of Object.entries(overrides)) {
    const prev = hasOwn(merged, k) ? merged[k] : undefined;
    const bothObjects =
      typeof v === "object" && v !== null && !Array.isArray(v) && typeof prev === "object" && prev;
    setOwn(merged, k, bothObjects ? { ...(prev as object), ...(v as object) } : v);
  }
  return merged;
}

/** Read a YAML recipe (e.g. Open-RS's `recipes/grpo.yaml`), apply overrides, and resolve it. */
export function loadGrpoConfig(
  file: string,
  overrides: Record<string, unknown> = {},
  opts: ResolveOptions = {},
): ResolvedConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, "utf8"));
  } catch (err) {
    const first = (err as Error).message.split("\n")[0];
    throw new Error(`GRPO config: cannot read ${file}: ${first}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(`GRPO config: ${file} must be a YAML mapping of key: value`);
  }
  return resolveGrpoConfig(mergeOverrides(raw as Record<string, unknown>, overrides), opts);
}

/** The reward parameters a config sets (non-null `REWARD_PARAM_KEYS`), for `resolveRewards`. */
export function rewardParamsOf(c: Readonly<GrpoConfig>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of REWARD_PARAM_KEYS) {
    const v = c[k];
    if (v !== null) out[k] = v;
  }
  return out;
}

/**
 * Checkpoints of a {@link GrpoTrainer}: its whole state (`getState`) written atomically as a checkpoint
 * directory, and read back (`setState`). Restoring into a trainer built from the same initial model, config and
 * data continues bit-identically on the same backend and worker count. Which settings may change on resume is
 * decided by {@link resumeConfig}.
 */

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadHfModelDir, saveHfModelDir } from "../io/hf-dir";
import type { TensorToWrite } from "../io/safetensors";
import { type CheckpointPayload, readCheckpoint, writeCheckpoint } from "./checkpoint";
import { type GrpoConfig, LIVE_UPDATE_KEYS, upgradeSavedConfig } from "./config";
import type { PolicyWeights } from "./policy";
import type { Rollout } from "./rollout";
import type { GrpoTrainer, TrainerState } from "./trainer";

/** Format version of trainer_state.json (2: per-completion seeds replaced the generation RNG). */
export const STATE_VERSION = 2;

/** trainer_state.json: everything but the tensors. */
interface SavedState {
  version: number;
  step: number;
  config: GrpoConfig;
  totalSteps: number;
  optimizerStep: number;
  sampler: TrainerState["sampler"];
  skips: number;
  numTokens: number;
  buffer: Rollout | null;
  /** Raw weights (no HF directory): their variable names and shapes. */
  rawWeights?: Array<{ name: string; shape: number[] }>;
}

/** Write `checkpoint-<step>` for the trainer's current state; returns its path. */
export async function saveTrainerCheckpoint(
  t: GrpoTrainer,
  hooks: Pick<CheckpointPayload, "beforeCommit"> = {},
): Promise<string> {
  const s = await t.getState();
  const tensors: Array<[string, TensorToWrite]> = [];
  s.optimizer.m.forEach((m, i) => {
    const shape = s.weights.tensors[i].shape;
    tensors.push([`m.${i}`, { dtype: "F32", shape: momentShape(s.weights, shape), data: m }]);
    tensors.push([`v.${i}`, { dtype: "F32", shape: momentShape(s.weights, shape), data: s.optimizer.v[i] }]);
  });
  if (!s.weights.hf) {
    s.weights.tensors.forEach((w, i) => {
      tensors.push([`w.${i}`, { dtype: "F32", shape: w.shape, data: w.data }]);
    });
  }
  const state: SavedState = {
    version: STATE_VERSION,
    step: s.step,
    config: s.config,
    totalSteps: t.totalSteps,
    optimizerStep: s.optimizer.step,
    sampler: s.sampler,
    skips: s.skips,
    numTokens: s.numTokens,
    buffer: s.buffer,
    rawWeights: s.weights.hf
      ? undefined
      : s.weights.names.map((name, i) => ({ name, shape: s.weights.tensors[i].shape })),
  };
  const w = s.weights;
  const saveModel = w.hf
    ? (dir: string) =>
        saveHfModelDir(dir, {
          config: w.config,
          tensors: new Map(w.names.map((n, i) => [n, w.tensors[i]])),
          dtype: "F32",
          tokenizerDir: t.deps.tokenizerDir,
        })
    : undefined;
  return writeCheckpoint(
    t.outputDir,
    {
      state: state as unknown as CheckpointPayload["state"],
      tensors,
      saveModel,
      beforeCommit: hooks.beforeCommit,
    },
    t.config.save_total_limit,
  );
}

/** The optimizer moments are stored in the variable layout; their element count is what matters. */
function momentShape(w: PolicyWeights, shape: number[]): number[] {
  return w.hf ? [shape.reduce((a, b) => a * b, 1)] : shape;
}

/** Read a checkpoint directory into a {@link TrainerState} (weights from its HF model dir or raw tensors). */
export async function readTrainerCheckpoint(dir: string): Promise<TrainerState> {
  const { state, tensors, modelDir } = readCheckpoint(dir);
  const s = state as unknown as SavedState;
  if (s.version !== STATE_VERSION) {
    throw new Error(
      `checkpoint ${dir}: trainer_state version ${s.version}, this library reads ${STATE_VERSION} (it was written by another version of open-rs-ts; start a new run)`,
    );
  }
  const get = (name: string) => {
    const x = tensors.get(name);
    if (!x) throw new Error(`checkpoint ${dir}: optimizer.safetensors lacks ${name}`);
    return x.data as Float32Array;
  };
  let weights: PolicyWeights;
  if (modelDir) {
    const loaded = await loadHfModelDir(modelDir);
    const names = [...loaded.tensors.keys()];
    weights = {
      hf: true,
      config: loaded.config,
      names,
      tensors: names.map((n) => ({ shape: loaded.tensors.get(n)!.shape, data: loaded.tensors.get(n)!.data })),
    };
  } else {
    const raw = s.rawWeights ?? [];
    weights = {
      hf: false,
      config: {},
      names: raw.map((r) => r.name),
      tensors: raw.map((r, i) => ({ shape: r.shape, data: get(`w.${i}`) })),
    };
  }
  const n = [...tensors.keys()].filter((k) => k.startsWith("m.")).length;
  // JSON turns NaN totals (all-null reward rows) into null; put them back.
  if (s.buffer) s.buffer.totals = s.buffer.totals.map((v) => (v === null ? Number.NaN : v));
  return {
    step: s.step,
    config: upgradeSavedConfig(s.config),
    sampler: s.sampler,
    skips: s.skips,
    numTokens: s.numTokens,
    buffer: s.buffer,
    optimizer: {
      step: s.optimizerStep,
      names: [],
      m: Array.from({ length: n }, (_, i) => get(`m.${i}`)),
      v: Array.from({ length: n }, (_, i) => get(`v.${i}`)),
    },
    weights,
  };
}

/** The config a checkpoint's run was trained with (its trainer_state.json), without reading any tensor. */
export function readCheckpointConfig(dir: string): GrpoConfig {
  const file = join(dir, "trainer_state.json");
  if (!existsSync(file)) {
    throw new Error(
      `checkpoint ${dir}: no trainer_state.json; it is not a complete checkpoint (pick another checkpoint-<step>)`,
    );
  }
  return upgradeSavedConfig((JSON.parse(readFileSync(file, "utf8")) as { config: GrpoConfig }).config);
}

/** Settings that may differ between a checkpoint's run and its resumption (they do not define the run). */
export const RESUME_MUTABLE_KEYS: ReadonlySet<string> = new Set([
  // what run.update() may change mid-run
  ...LIVE_UPDATE_KEYS,
  // how long to train and what to write
  "max_steps",
  "num_train_epochs",
  "save_steps",
  "save_total_limit",
  "logging_steps",
  "log_completions",
]);

/** Settings that belong to this invocation, not to the run: taken as requested, never reported as a change. */
const INVOCATION_KEYS: ReadonlySet<string> = new Set(["output_dir", "overwrite_output_dir"]);

/**
 * The config a resumed run continues with: the checkpoint's, plus the requested values of the keys that may
 * change on resume (returned as `changed`, logged with the next step). Any other difference is refused with
 * the keys, both values and what to do instead.
 */
export function resumeConfig(
  saved: Readonly<GrpoConfig>,
  requested: Readonly<GrpoConfig>,
): { config: GrpoConfig; changed: Record<string, unknown> } {
  const changed: Record<string, unknown> = {};
  const refused: string[] = [];
  for (const key of Object.keys(requested) as Array<keyof GrpoConfig>) {
    const a = JSON.stringify(saved[key] ?? null);
    const b = JSON.stringify(requested[key] ?? null);
    if (a === b || INVOCATION_KEYS.has(key)) continue;
    if (RESUME_MUTABLE_KEYS.has(key)) changed[key] = requested[key];
    else refused.push(`${key} (checkpoint ${a}, now ${b})`);
  }
  if (refused.length > 0) {
    throw new Error(
      `resume: ${refused.join(", ")} cannot change when resuming, because the checkpoint's run was made with the other value; drop those overrides, or start a new run in a new output_dir. Settings that may change: ${[...RESUME_MUTABLE_KEYS].join(", ")}`,
    );
  }
  const invocation = Object.fromEntries(
    [...INVOCATION_KEYS].map((k) => [k, requested[k as keyof GrpoConfig]]),
  );
  return { config: { ...saved, ...(changed as Partial<GrpoConfig>), ...invocation }, changed };
}

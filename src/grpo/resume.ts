/**
 * Save and restore a {@link GrpoTrainer} exactly: weights (HF dir or raw), AdamW moments and step, both RNG
 * states, the prompt order and position, counters, the live config and any μ > 1 rollout buffer. Restoring
 * into a trainer built from the same initial model, config and data continues bit-identically on the same
 * backend.
 */
import type { TensorToWrite } from "../io/safetensors";
import { type CheckpointPayload, readCheckpoint, type TrainerState, writeCheckpoint } from "./checkpoint";
import type { GrpoConfig } from "./config";
import { assignWeights, canSaveHf, restoreFromHf, saveHf } from "./model-state";
import type { PromptSamplerState } from "./prompts";
import type { Rollout } from "./rollout";
import type { GrpoTrainer } from "./trainer";

/** Format version of trainer_state.json. */
export const STATE_VERSION = 1;

interface SavedState extends TrainerState {
  version: number;
  config: GrpoConfig;
  totalSteps: number;
  optimizerStep: number;
  sampler: PromptSamplerState;
  genRng: number[];
  skips: number;
  numTokens: number;
  buffer: Rollout | null;
}

/** Write `checkpoint-<step>` for the trainer's current state; returns its path. */
export async function saveTrainerCheckpoint(
  t: GrpoTrainer,
  hooks: Pick<CheckpointPayload, "beforeCommit"> = {},
): Promise<string> {
  const opt = t.optimizer.getState();
  const tensors: Array<[string, TensorToWrite]> = [];
  const vars = t.model.trainableVariables();
  opt.m.forEach((m, i) => {
    tensors.push([`m.${i}`, { dtype: "F32", shape: vars[i].shape, data: m }]);
    tensors.push([`v.${i}`, { dtype: "F32", shape: vars[i].shape, data: opt.v[i] }]);
  });
  const hf = canSaveHf(t.model);
  if (!hf) {
    vars.forEach((v, i) => {
      tensors.push([
        `w.${i}`,
        { dtype: "F32", shape: v.shape, data: Float32Array.from(v.dataSync() as Float32Array) },
      ]);
    });
  }
  const state: SavedState = {
    step: t.step,
    version: STATE_VERSION,
    config: { ...t.config },
    totalSteps: t.totalSteps,
    optimizerStep: opt.step,
    sampler: t.sampler.getState(),
    genRng: t.genRng.getState(),
    skips: t.skips,
    numTokens: t.numTokens,
    buffer: t.buffer,
  };
  return writeCheckpoint(
    t.outputDir,
    {
      state,
      tensors,
      saveModel: hf ? (dir) => saveHf(t.model, dir, t.deps.tokenizerDir) : undefined,
      beforeCommit: hooks.beforeCommit,
    },
    t.config.save_total_limit,
  );
}

/**
 * Restore `dir` into `t` (built from the same initial model, config and dataset). Returns the saved config,
 * so callers can check it against theirs; metrics/completions lines after the checkpoint's step are dropped.
 */
export async function resumeTrainer(t: GrpoTrainer, dir: string): Promise<GrpoConfig> {
  const { state, tensors, modelDir } = readCheckpoint(dir);
  const s = state as SavedState;
  if (s.version !== STATE_VERSION) {
    throw new Error(
      `checkpoint ${dir}: trainer_state version ${s.version}, this library reads ${STATE_VERSION}`,
    );
  }
  const n = t.model.trainableVariables().length;
  const get = (name: string) => {
    const x = tensors.get(name);
    if (!x) throw new Error(`checkpoint ${dir}: optimizer.safetensors lacks ${name}`);
    return x.data as Float32Array;
  };
  if (modelDir) await restoreFromHf(t.model, modelDir);
  else
    assignWeights(
      t.model,
      Array.from({ length: n }, (_, i) => get(`w.${i}`)),
    );
  t.optimizer.setState({
    step: s.optimizerStep,
    names: [],
    m: Array.from({ length: n }, (_, i) => get(`m.${i}`)),
    v: Array.from({ length: n }, (_, i) => get(`v.${i}`)),
  });
  t.sampler.setState(s.sampler);
  t.genRng.setState(s.genRng);
  t.step = s.step;
  t.skips = s.skips;
  t.numTokens = s.numTokens;
  // JSON turns NaN totals (all-null reward rows) into null; put them back.
  if (s.buffer) s.buffer.totals = s.buffer.totals.map((v) => (v === null ? Number.NaN : v));
  t.buffer = s.buffer;
  t.setConfig({ ...s.config, output_dir: t.config.output_dir });
  t.truncateOutputs(s.step);
  return s.config;
}

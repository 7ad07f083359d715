/**
 * Checkpoint directories, written atomically: everything goes into a hidden temporary sibling
 * (`.checkpoint-<step>.tmp-*`), is fsynced, and only then renamed to `checkpoint-<step>`. A crash (even
 * kill -9) before the rename leaves a stray temporary directory and the previous checkpoints untouched;
 * stray temporaries are removed by the next save.
 *
 * Layout of `checkpoint-<step>/`:
 * - `model/`: the HF model directory (config.json + model.safetensors, F32), when the model can save itself;
 * - `optimizer.safetensors`: AdamW moments `m.<i>` / `v.<i>` (and raw weights `w.<i>` for models without an HF save);
 * - `trainer_state.json`: step, config, RNG states, sampler position, counters (see {@link CheckpointState}).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fsyncPath } from "../io/hf-dir";
import { readSafetensors, type StoredTensor, type TensorToWrite, writeSafetensors } from "../io/safetensors";

/** Directory name of a step's checkpoint. */
export const checkpointName = (step: number) => `checkpoint-${step}`;
const NAME_RE = /^checkpoint-(\d+)$/;
const STATE_FILE = "trainer_state.json";
const TENSOR_FILE = "optimizer.safetensors";

/** What a checkpoint stores besides tensors (JSON). */
export interface CheckpointState {
  /** Optimizer steps completed. */
  step: number;
  [key: string]: unknown;
}

/** Inputs of {@link writeCheckpoint}. */
export interface CheckpointPayload {
  state: CheckpointState;
  tensors: Array<[string, TensorToWrite]>;
  /** Writes the HF model directory into the given (not yet existing) path. */
  saveModel?: (dir: string) => Promise<void>;
  /** Test hook: runs after everything is written, before the commit rename. */
  beforeCommit?: (tmpDir: string) => void | Promise<void>;
}

/** Checkpoint steps present in `outputDir`, ascending (complete ones only: they have a state file). */
export function listCheckpoints(outputDir: string): number[] {
  if (!existsSync(outputDir)) return [];
  return readdirSync(outputDir)
    .map((n) => NAME_RE.exec(n))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(outputDir, m[0], STATE_FILE)))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Path of the newest complete checkpoint, or null. */
export function latestCheckpoint(outputDir: string): string | null {
  const steps = listCheckpoints(outputDir);
  return steps.length ? join(outputDir, checkpointName(steps[steps.length - 1])) : null;
}

function removeStaleTemporaries(outputDir: string): void {
  for (const n of readdirSync(outputDir)) {
    if (/^\.checkpoint-\d+\.(tmp|old)-/.test(n)) rmSync(join(outputDir, n), { recursive: true, force: true });
  }
}

/**
 * Write `checkpoint-<step>` atomically into `outputDir`, then keep only the newest `keep` checkpoints
 * (null keeps all). Returns the checkpoint path.
 */
export async function writeCheckpoint(
  outputDir: string,
  p: CheckpointPayload,
  keep: number | null,
): Promise<string> {
  const root = resolve(outputDir);
  mkdirSync(root, { recursive: true });
  removeStaleTemporaries(root);
  const name = checkpointName(p.state.step);
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const tmp = join(root, `.${name}.tmp-${tag}`);
  mkdirSync(tmp);
  try {
    if (p.saveModel) await p.saveModel(join(tmp, "model"));
    writeSafetensors(join(tmp, TENSOR_FILE), p.tensors, {
      format: "pt",
      content: "open-rs-ts trainer state",
    });
    const stateFile = join(tmp, STATE_FILE);
    writeFileSync(stateFile, `${JSON.stringify(p.state, null, 1)}\n`);
    fsyncPath(stateFile);
    fsyncPath(tmp);
    await p.beforeCommit?.(tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const target = join(root, name);
  if (existsSync(target)) {
    const old = join(root, `.${name}.old-${tag}`);
    renameSync(target, old);
    renameSync(tmp, target);
    rmSync(old, { recursive: true, force: true });
  } else renameSync(tmp, target);
  fsyncPath(root);
  if (keep !== null) {
    const steps = listCheckpoints(root);
    for (const s of steps.slice(0, Math.max(0, steps.length - keep))) {
      rmSync(join(root, checkpointName(s)), { recursive: true, force: true });
    }
  }
  return target;
}

/** Read a checkpoint written by {@link writeCheckpoint}. */
export function readCheckpoint(dir: string): {
  state: CheckpointState;
  tensors: Map<string, StoredTensor>;
  modelDir: string | null;
} {
  const stateFile = join(dir, STATE_FILE);
  if (!existsSync(stateFile)) {
    throw new Error(
      `checkpoint ${dir}: no ${STATE_FILE}; it is not a complete checkpoint (pick another checkpoint-<step>)`,
    );
  }
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as CheckpointState;
  const tensors = readSafetensors(join(dir, TENSOR_FILE));
  const modelDir = existsSync(join(dir, "model", "config.json")) ? join(dir, "model") : null;
  return { state, tensors, modelDir };
}

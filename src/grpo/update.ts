/**
 * The policy update on one rollout. The coordinator (`policyUpdate`) splits the rollout into M =
 * num_processes × gradient_accumulation_steps micro-batches, has the policy compute each one's gradients
 * (in worker threads or in this thread), sums them in micro-batch order, and has every replica clip and apply
 * AdamW. `microBatchGradients` is the tensor side of one micro-batch, run where the model lives.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { CausalLM } from "../model/types";
import { microBatches } from "./algos";
import type { GrpoConfig } from "./config";
import { LOSS_METRICS, type MicroBatchLossOptions, microBatchLossTensor } from "./loss";
import type { PolicyCompute } from "./policy";
import type { Rollout } from "./rollout";

/** Loss-side metrics of one micro-batch (definitions at `LOSS_METRICS` in loss.ts). */
export interface LossMetrics {
  /** This micro-batch's share of the step loss. */
  loss: number;
  /** Mean per-token k3 KL to the reference (0 when β = 0). */
  kl: number;
  /** Fraction of tokens where ρ·A < clip(ρ)·A, the unclipped objective strictly the minimum (TRL@69ad852e's `clip_ratio`). */
  clip_ratio: number;
  /** Fraction of tokens clipped at 1 − ε with a negative advantage. */
  low: number;
  /** Fraction of tokens clipped at 1 + ε_high with a positive advantage. */
  high: number;
  /** Mean per-token entropy of the policy (NaN when not computed). */
  entropy: number;
}

/** What one micro-batch's gradient computation needs besides the model: plain arrays only. */
export interface MicroBatchInput {
  promptIds: number[][];
  completionIds: number[][];
  /** 1 where the completion counts in the loss. */
  keep: number[];
  advantages: number[];
  oldLogp: number[][] | null;
  refLogp: number[][] | null;
  /** Also return the policy's log-prob of every completion token (to compare with the rollout engine's). */
  returnLogp?: boolean;
  loss: MicroBatchLossOptions;
}

/** What one update reports (loss-side metrics averaged over micro-batches as TRL does). */
export interface UpdateResult extends LossMetrics {
  /** Fraction of tokens clipped in either direction (low + high). */
  region: number;
  grad_norm: number;
  /** False when the update was skipped because the loss or a gradient was NaN/Inf. */
  applied: boolean;
  seconds: number;
  /** The policy's log-prob of each completion token before this update, in rollout row order (when asked). */
  logp: number[][] | null;
}

/** Right-pad ragged rows to [rows.length, T] with 0. */
function padded(rows: readonly (readonly number[])[], T: number): tf.Tensor2D {
  const out = new Float32Array(rows.length * T);
  rows.forEach((r, i) => {
    out.set(r.slice(0, T), i * T);
  });
  return tf.tensor2d(out, [rows.length, T]);
}

/**
 * Gradients of one micro-batch's share of the loss with respect to every trainable variable (read back as
 * Float32Arrays, in variable order) and its metrics. Runs where the model lives; owns every tensor it makes.
 */
export function microBatchGradients(
  model: CausalLM,
  batch: MicroBatchInput,
): { grads: Float32Array[]; metrics: LossMetrics; logp?: number[][] } {
  const vars = model.trainableVariables();
  let metricsTensor: tf.Tensor1D | null = null;
  let logpTensor: tf.Tensor2D | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const out = model.completionLogProbs(batch.promptIds, batch.completionIds, { withEntropy: true });
    const T = out.logprobs.shape[1];
    const keep = tf.tensor2d(
      batch.keep.map((k) => [k]),
      [batch.keep.length, 1],
    );
    const result = microBatchLossTensor(
      {
        logp: out.logprobs,
        mask: tf.mul(out.mask, keep) as tf.Tensor2D,
        oldLogp: batch.oldLogp ? padded(batch.oldLogp, T) : null,
        refLogp: batch.refLogp ? padded(batch.refLogp, T) : null,
        advantages: tf.tensor1d(batch.advantages),
        entropy: out.entropy ?? null,
      },
      batch.loss,
    );
    // Kept past the tape's scope on purpose: read back below, then disposed.
    metricsTensor = tf.keep(result.metrics);
    if (batch.returnLogp) logpTensor = tf.keep(out.logprobs);
    return result.loss;
  }, vars);
  value.dispose();
  const gradients = vars.map((v) => {
    const g = grads[v.name];
    // A variable the loss does not reach (none in a causal LM) gets a zero gradient.
    const data = g ? Float32Array.from(g.dataSync() as Float32Array) : new Float32Array(v.size);
    g?.dispose();
    return data;
  });
  for (const g of Object.values(grads)) if (!g.isDisposed) g.dispose();
  const metrics = readMetrics(metricsTensor);
  const logp = readLogp(logpTensor, batch.completionIds);
  return logp ? { grads: gradients, metrics, logp } : { grads: gradients, metrics };
}

/** The metrics vector of {@link microBatchLossTensor} as named numbers; disposes it. */
function readMetrics(vector: tf.Tensor1D | null): LossMetrics {
  const values = Array.from(vector?.dataSync() ?? []);
  vector?.dispose();
  return Object.fromEntries(LOSS_METRICS.map((name, i) => [name, values[i]])) as unknown as LossMetrics;
}

/** Each completion's token log-probs from the [B, T] tensor (padding dropped); disposes it. */
function readLogp(tensor: tf.Tensor2D | null, completionIds: readonly number[][]): number[][] | undefined {
  if (!tensor) return undefined;
  const T = tensor.shape[1];
  const data = tensor.dataSync();
  tensor.dispose();
  return completionIds.map((c, i) => Array.from(data.subarray(i * T, i * T + c.length)));
}

/** Sums `g` into `acc` element-wise (float32 adds, as a tfjs `add` would do them). */
export function addInto(acc: Float32Array[], g: readonly Float32Array[]): void {
  for (let i = 0; i < acc.length; i++) {
    const a = acc[i];
    const b = g[i];
    for (let j = 0; j < a.length; j++) a[j] += b[j];
  }
}

/** The micro-batch inputs of a rollout: rows grouped per micro-batch, in order. */
export function updateBatches(
  cfg: Readonly<GrpoConfig>,
  rollout: Rollout,
  returnLogp = false,
): MicroBatchInput[] {
  const batches = microBatches(rollout.completionIds.length, cfg.per_device_train_batch_size);
  const stepTokens = rollout.completionIds.reduce((sum, ids, i) => sum + ids.length * rollout.keep[i], 0);
  const pick = <T>(values: readonly T[], rows: number[]) => rows.map((i) => values[i]);
  return batches.map((rows) => ({
    promptIds: pick(rollout.promptIds, rows),
    completionIds: pick(rollout.completionIds, rows),
    keep: pick(rollout.keep, rows),
    advantages: pick(rollout.advantages, rows),
    oldLogp: rollout.oldLogp ? pick(rollout.oldLogp, rows) : null,
    refLogp: rollout.refLogp ? pick(rollout.refLogp, rows) : null,
    returnLogp,
    loss: {
      beta: cfg.beta,
      epsLow: cfg.epsilon,
      epsHigh: cfg.epsilon_high ?? cfg.epsilon,
      lossType: cfg.loss_type,
      mode: cfg.mode,
      numMicroBatches: batches.length,
      maxCompletionLength: cfg.max_completion_length,
      stepTokens,
    },
  }));
}

/**
 * Run the update for one optimizer step on `rollout` with learning rate `lr`: gradients per micro-batch (spread over
 * the policy's workers), summed in micro-batch order, so the sum is the same whatever the worker count; then
 * every replica clips (global norm) and applies AdamW, skipping the step when the loss or a gradient is not
 * finite.
 */
export async function policyUpdate(
  cfg: Readonly<GrpoConfig>,
  policy: PolicyCompute,
  rollout: Rollout,
  lr: number,
  returnLogp = false,
): Promise<UpdateResult> {
  const t0 = performance.now();
  const batches = updateBatches(cfg, rollout, returnLogp);
  let summed: Float32Array[] | null = null;
  const logp: number[][] = [];
  const sums = { loss: 0, kl: 0, clip_ratio: 0, low: 0, high: 0, entropy: 0 };
  let entropyCount = 0;
  await policy.gradients(batches, (_index, grads, metrics, batchLogp) => {
    if (summed === null) summed = grads;
    else addInto(summed, grads);
    if (batchLogp) logp.push(...batchLogp);
    sums.loss += metrics.loss;
    for (const k of ["kl", "clip_ratio", "low", "high"] as const) sums[k] += metrics[k] / batches.length;
    if (Number.isFinite(metrics.entropy)) {
      sums.entropy += metrics.entropy;
      entropyCount++;
    }
  });
  if (summed === null) throw new Error("policyUpdate: the rollout has no micro-batches");
  const { norm, applied } = await policy.applyUpdate(summed, lr, {
    maxGradNorm: cfg.max_grad_norm,
    lossFinite: Number.isFinite(sums.loss),
  });
  return {
    loss: sums.loss,
    kl: sums.kl,
    clip_ratio: sums.clip_ratio,
    low: sums.low,
    high: sums.high,
    region: sums.low + sums.high,
    entropy: entropyCount ? sums.entropy / entropyCount : Number.NaN,
    grad_norm: norm,
    applied,
    seconds: (performance.now() - t0) / 1000,
    logp: returnLogp ? logp : null,
  };
}

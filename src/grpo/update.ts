/**
 * The policy update on one rollout. The coordinator (`policyUpdate`) splits the rollout into M =
 * num_processes × gradient_accumulation_steps micro-batches, has the policy compute each one's gradients
 * (in worker threads or in this thread), sums them in micro-batch order, and has every replica clip and apply
 * AdamW. `microBatchGradients` is the tensor side of one micro-batch, run where the model lives.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { CausalLM } from "../model/types";
import { microBatches } from "./algos";
import { microBatchLossTensor } from "./algos-tensor";
import type { GrpoConfig, GrpoMode, LossType } from "./config";
import type { PolicyCompute } from "./policy";
import type { Rollout } from "./rollout";

/** Loss-side metrics of one micro-batch (definitions in loss-metrics.ts). */
export interface LossMetrics {
  /** This micro-batch's share of the step loss. */
  loss: number;
  /** Mean per-token k3 KL to the reference (0 when β = 0). */
  kl: number;
  /** Fraction of tokens where the clipped objective was the smaller one (TRL@69ad852e's `clip_ratio`). */
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
  loss: {
    beta: number;
    epsLow: number;
    epsHigh: number;
    lossType: LossType;
    mode: GrpoMode;
    numMicroBatches: number;
    maxCompletionLength: number;
    stepTokens: number;
  };
}

/** What one update reports (loss-side metrics averaged over micro-batches as TRL does). */
export interface UpdateResult {
  loss: number;
  kl: number;
  clip_ratio: number;
  low: number;
  high: number;
  region: number;
  entropy: number;
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
  x: MicroBatchInput,
): { grads: Float32Array[]; metrics: LossMetrics; logp?: number[][] } {
  const vars = model.trainableVariables();
  let metricsT: tf.Tensor1D | null = null;
  let logpT: tf.Tensor2D | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const out = model.completionLogProbs(x.promptIds, x.completionIds, { withEntropy: true });
    const T = out.logprobs.shape[1];
    const keep = tf.tensor2d(
      x.keep.map((k) => [k]),
      [x.keep.length, 1],
    );
    const res = microBatchLossTensor(
      {
        logp: out.logprobs,
        mask: tf.mul(out.mask, keep) as tf.Tensor2D,
        oldLogp: x.oldLogp ? padded(x.oldLogp, T) : null,
        refLogp: x.refLogp ? padded(x.refLogp, T) : null,
        advantages: tf.tensor1d(x.advantages),
        entropy: out.entropy ?? null,
      },
      x.loss,
    );
    // Kept past the tape's scope on purpose: read back below, then disposed.
    metricsT = tf.keep(res.metrics);
    if (x.returnLogp) logpT = tf.keep(out.logprobs);
    return res.loss;
  }, vars);
  value.dispose();
  const out = vars.map((v) => {
    const g = grads[v.name];
    // A variable the loss does not reach (none in a causal LM) gets a zero gradient.
    const data = g ? Float32Array.from(g.dataSync() as Float32Array) : new Float32Array(v.size);
    g?.dispose();
    return data;
  });
  for (const g of Object.values(grads)) if (!g.isDisposed) g.dispose();
  const m = metricsT as tf.Tensor1D | null;
  const [loss, kl, clip, low, high, entropy] = Array.from(m?.dataSync() ?? []);
  m?.dispose();
  const metrics = { loss, kl, clip_ratio: clip, low, high, entropy };
  const lp = logpT as tf.Tensor2D | null;
  if (!lp) return { grads: out, metrics };
  const T = lp.shape[1];
  const data = lp.dataSync();
  lp.dispose();
  const logp = x.completionIds.map((c, i) => Array.from(data.subarray(i * T, i * T + c.length)));
  return { grads: out, metrics, logp };
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
export function updateBatches(cfg: Readonly<GrpoConfig>, ro: Rollout, returnLogp = false): MicroBatchInput[] {
  const mbs = microBatches(ro.completionIds.length, cfg.per_device_train_batch_size);
  const stepTokens = ro.completionIds.reduce((a, c, i) => a + c.length * ro.keep[i], 0);
  const pick = <T>(xs: readonly T[], rows: number[]) => rows.map((i) => xs[i]);
  return mbs.map((rows) => ({
    promptIds: pick(ro.promptIds, rows),
    completionIds: pick(ro.completionIds, rows),
    keep: pick(ro.keep, rows),
    advantages: pick(ro.advantages, rows),
    oldLogp: ro.oldLogp ? pick(ro.oldLogp, rows) : null,
    refLogp: ro.refLogp ? pick(ro.refLogp, rows) : null,
    returnLogp,
    loss: {
      beta: cfg.beta,
      epsLow: cfg.epsilon,
      epsHigh: cfg.epsilon_high ?? cfg.epsilon,
      lossType: cfg.loss_type,
      mode: cfg.mode,
      numMicroBatches: mbs.length,
      maxCompletionLength: cfg.max_completion_length,
      stepTokens,
    },
  }));
}

/**
 * Run the update for one optimizer step on `ro` with learning rate `lr`: gradients per micro-batch (spread over
 * the policy's workers), summed in micro-batch order, so the sum is the same whatever the worker count; then
 * every replica clips (global norm) and applies AdamW, skipping the step when the loss or a gradient is not
 * finite.
 */
export async function policyUpdate(
  cfg: Readonly<GrpoConfig>,
  policy: PolicyCompute,
  ro: Rollout,
  lr: number,
  returnLogp = false,
): Promise<UpdateResult> {
  const t0 = performance.now();
  const batches = updateBatches(cfg, ro, returnLogp);
  let acc: Float32Array[] | null = null;
  const logp: number[][] = [];
  const sums = { loss: 0, kl: 0, clip_ratio: 0, low: 0, high: 0, entropy: 0 };
  let entropyCount = 0;
  await policy.gradients(batches, (_index, grads, m, lp) => {
    if (acc === null) acc = grads;
    else addInto(acc, grads);
    if (lp) logp.push(...lp);
    sums.loss += m.loss;
    for (const k of ["kl", "clip_ratio", "low", "high"] as const) sums[k] += m[k] / batches.length;
    if (Number.isFinite(m.entropy)) {
      sums.entropy += m.entropy;
      entropyCount++;
    }
  });
  if (acc === null) throw new Error("policyUpdate: the rollout has no micro-batches");
  const { norm, applied } = await policy.applyUpdate(acc, lr, {
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

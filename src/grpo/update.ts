/**
 * The policy update on one rollout: M = num_processes × gradient_accumulation_steps micro-batches, each a
 * `tf.variableGrads` of its share of the loss; gradients summed; global-norm clip; AdamW. A non-finite loss or
 * gradient skips the update (the caller counts consecutive skips).
 */
import * as tf from "@tensorflow/tfjs-core";
import { explainOom } from "../backend/oom";
import type { CausalLM } from "../model/types";
import { microBatches } from "./algos";
import { microBatchLossTensor } from "./algos-tensor";
import type { GrpoConfig } from "./config";
import { type AdamW, globalGradNorm } from "./optimizer";
import { BATCH_MEMORY_HINT, type Rollout } from "./rollout";

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
}

/** Right-pad ragged rows to [rows.length, T] with 0. */
function padded(rows: readonly (readonly number[])[], T: number): tf.Tensor2D {
  const out = new Float32Array(rows.length * T);
  rows.forEach((r, i) => {
    out.set(r.slice(0, T), i * T);
  });
  return tf.tensor2d(out, [rows.length, T]);
}

/** Sum `g` into `acc` (by variable name), disposing what is replaced. */
function accumulate(acc: Map<string, tf.Tensor>, grads: tf.NamedTensorMap): void {
  for (const [name, g] of Object.entries(grads)) {
    const prev = acc.get(name);
    if (prev) {
      acc.set(name, tf.add(prev, g));
      prev.dispose();
      g.dispose();
    } else acc.set(name, g);
  }
}

/** One micro-batch's gradients (added into `acc`) and its metric vector [loss, kl, c69, low, high, entropy]. */
function microStep(
  cfg: Readonly<GrpoConfig>,
  model: CausalLM,
  ro: Rollout,
  rows: number[],
  ctx: { numMicroBatches: number; stepTokens: number },
  acc: Map<string, tf.Tensor>,
): number[] {
  const vars = model.trainableVariables();
  let metrics: tf.Tensor1D | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const out = model.completionLogProbs(
      rows.map((i) => ro.promptIds[i]),
      rows.map((i) => ro.completionIds[i]),
      { withEntropy: true },
    );
    const T = out.logprobs.shape[1];
    const keep = tf.tensor2d(
      rows.map((i) => [ro.keep[i]]),
      [rows.length, 1],
    );
    const res = microBatchLossTensor(
      {
        logp: out.logprobs,
        mask: tf.mul(out.mask, keep) as tf.Tensor2D,
        oldLogp: ro.oldLogp
          ? padded(
              rows.map((i) => ro.oldLogp![i]),
              T,
            )
          : null,
        refLogp: ro.refLogp
          ? padded(
              rows.map((i) => ro.refLogp![i]),
              T,
            )
          : null,
        advantages: tf.tensor1d(rows.map((i) => ro.advantages[i])),
        entropy: out.entropy ?? null,
      },
      {
        beta: cfg.beta,
        epsLow: cfg.epsilon,
        epsHigh: cfg.epsilon_high ?? cfg.epsilon,
        lossType: cfg.loss_type,
        mode: cfg.mode,
        numMicroBatches: ctx.numMicroBatches,
        maxCompletionLength: cfg.max_completion_length,
        stepTokens: ctx.stepTokens,
      },
    );
    // Kept past the tape's scope on purpose: read back below, then disposed.
    metrics = tf.keep(res.metrics);
    return res.loss;
  }, vars);
  value.dispose();
  accumulate(acc, grads);
  const m = metrics as tf.Tensor1D | null;
  const values = Array.from(m?.dataSync() ?? []);
  m?.dispose();
  return values;
}

/** Run the update for one optimizer step on `ro` with learning rate `lr`. */
export async function policyUpdate(
  cfg: Readonly<GrpoConfig>,
  model: CausalLM,
  optimizer: AdamW,
  ro: Rollout,
  lr: number,
  yieldFn: () => Promise<void>,
): Promise<UpdateResult> {
  const t0 = performance.now();
  const mbs = microBatches(ro.completionIds.length, cfg.per_device_train_batch_size);
  const stepTokens = ro.completionIds.reduce((a, c, i) => a + c.length * ro.keep[i], 0);
  const acc = new Map<string, tf.Tensor>();
  const sums = [0, 0, 0, 0, 0, 0];
  let entropyCount = 0;
  try {
    for (const rows of mbs) {
      let m: number[];
      try {
        m = microStep(cfg, model, ro, rows, { numMicroBatches: mbs.length, stepTokens }, acc);
      } catch (err) {
        throw explainOom(
          err,
          `the policy update (a micro-batch of ${rows.length} completions, up to ${cfg.max_completion_length} tokens)`,
          BATCH_MEMORY_HINT,
        );
      }
      sums[0] += m[0];
      for (let k = 1; k < 5; k++) sums[k] += m[k] / mbs.length;
      if (Number.isFinite(m[5])) {
        sums[5] += m[5];
        entropyCount++;
      }
      await yieldFn();
    }
    const vars = model.trainableVariables();
    // A variable the loss does not reach (none in a causal LM) gets a zero gradient, owned by `acc`.
    for (const v of vars) if (!acc.has(v.name)) acc.set(v.name, tf.zerosLike(v));
    const grads = vars.map((v) => acc.get(v.name)!);
    const { norm, coef } = globalGradNorm(grads, cfg.max_grad_norm);
    const applied = Number.isFinite(norm) && Number.isFinite(sums[0]);
    if (applied) optimizer.apply(grads, lr, coef);
    return {
      loss: sums[0],
      kl: sums[1],
      clip_ratio: sums[2],
      low: sums[3],
      high: sums[4],
      region: sums[3] + sums[4],
      entropy: entropyCount ? sums[5] / entropyCount : Number.NaN,
      grad_norm: norm,
      applied,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    for (const g of acc.values()) g.dispose();
  }
}

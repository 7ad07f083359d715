/**
 * Supervised fine-tuning by cross-entropy on completion tokens, read top to bottom: take the step's examples
 * → micro-batches by padded tokens → accumulate gradients of the token-mean loss → clip → optimizer at the
 * scheduled LR → loss.jsonl line, progress bar, optional checkpoint.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { EpochSampler } from "../data/epoch-sampler";
import { ProgressBar, type ProgressOptions } from "../kernel-helpers/progress";
import { Qwen2ForCausalLM } from "../model/qwen2";
import type { CausalLM } from "../model/types";
import { globalGradNorm } from "../optim/clip";
import { learningRateAt } from "../optim/schedule";
import { resolveSftConfig, type SftConfig } from "./config";
import { microBatchesByTokens, type SftTokens } from "./data";
import { sftLossTensor } from "./loss";
import { makeSftOptimizer, type SftOptimizerHandle } from "./optim";

/** One loss.jsonl line. */
export interface SftStepRecord {
  step: number;
  /** Token-mean cross-entropy of the step's completions (nats/token). */
  loss: number;
  /** LR used by this step's update. */
  learning_rate: number;
  /** Global gradient norm before clipping. */
  grad_norm: number;
  /** Completion tokens in the step. */
  tokens: number;
  /** Completed passes over the data when the step ended. */
  epoch: number;
  /** Wall seconds of the step. */
  step_time: number;
}

/** Inputs of {@link trainSft}. */
export interface SftRunOptions {
  /** Trained in place. */
  model: CausalLM;
  /** Tokenised examples ({@link encodeSftPair}). */
  data: readonly SftTokens[];
  /** Config overrides over {@link SFT_DEFAULTS}; `max_steps` is required. */
  config: Partial<SftConfig>;
  /** Tokenizer files copied into checkpoints. */
  tokenizerDir?: string;
  /** Called after each step (live plots, early stop by throwing). */
  onStep?: (r: SftStepRecord) => void;
  /** Progress bar options; `false` hides it. Default: a bar labelled "sft". */
  progress?: ProgressOptions | false;
}

/** Result of {@link trainSft}. */
export interface SftResult {
  config: SftConfig;
  history: SftStepRecord[];
  seconds: number;
}

/** Summed gradients of the step loss over its micro-batches, and the summed loss. Caller disposes grads. */
function stepGradients(
  model: CausalLM,
  batch: readonly SftTokens[],
  microTokens: number,
): { grads: tf.Tensor[]; loss: number; tokens: number } {
  const vars = model.trainableVariables();
  const tokens = batch.reduce((s, e) => s + e.completionIds.length, 0);
  let acc: tf.Tensor[] | null = null;
  let loss = 0;
  for (const rows of microBatchesByTokens(batch, microTokens)) {
    const p = rows.map((i) => batch[i].promptIds);
    const c = rows.map((i) => batch[i].completionIds);
    const { value, grads } = tf.variableGrads(() => sftLossTensor(model, p, c, tokens), vars);
    loss += value.dataSync()[0];
    value.dispose();
    const g = vars.map((v) => grads[v.name]);
    if (acc === null) acc = g;
    else {
      const prev: tf.Tensor[] = acc;
      acc = prev.map((a, i) => tf.add(a, g[i]));
      for (const t of [...prev, ...g]) t.dispose();
    }
  }
  return { grads: acc ?? [], loss, tokens };
}

/** One optimizer step; returns its record (without `epoch`/`step_time`, filled by the caller). */
function sftStep(
  model: CausalLM,
  opt: SftOptimizerHandle,
  batch: readonly SftTokens[],
  c: SftConfig,
  step: number,
): Omit<SftStepRecord, "epoch" | "step_time"> {
  const { grads, loss, tokens } = stepGradients(model, batch, c.micro_batch_tokens);
  const { norm, coef } = globalGradNorm(grads, c.max_grad_norm);
  const lr = learningRateAt(c, step, c.max_steps);
  if (Number.isFinite(norm)) opt.apply(grads, lr, coef);
  for (const g of grads) g.dispose();
  return { step: step + 1, loss, learning_rate: lr, grad_norm: norm, tokens };
}

/** Save `model` as an HF directory in F32 (only a Qwen2ForCausalLM can write one), with the tokenizer files. */
async function saveCheckpoint(model: CausalLM, dir: string, tokenizerDir?: string): Promise<void> {
  if (!(model instanceof Qwen2ForCausalLM)) {
    throw new Error(
      "SFT save_steps: only a Qwen2ForCausalLM can be saved as an HF model directory; set save_steps: 0",
    );
  }
  await model.save(dir, { dtype: "F32", tokenizerDir });
}

/**
 * Run SFT for `config.max_steps` steps of `per_device_train_batch_size` examples (seeded epoch shuffles).
 * Writes `output_dir/loss.jsonl` (one {@link SftStepRecord} per step) and checkpoints when configured.
 * Steps whose gradient is NaN/Inf are skipped (logged with their norm).
 */
export async function trainSft(opts: SftRunOptions): Promise<SftResult> {
  const c = resolveSftConfig(opts.config);
  const order = new EpochSampler(opts.data.length, c.seed, "SFT: the training set");
  const opt = makeSftOptimizer(opts.model.trainableVariables(), c);
  const bar =
    opts.progress === false ? null : new ProgressBar(c.max_steps, { label: "sft", ...opts.progress });
  const lossFile = c.output_dir === null ? null : join(c.output_dir, "loss.jsonl");
  if (c.output_dir !== null && lossFile !== null) {
    mkdirSync(c.output_dir, { recursive: true });
    writeFileSync(lossFile, "");
  }
  const history: SftStepRecord[] = [];
  const t0 = performance.now();
  try {
    for (let step = 0; step < c.max_steps; step++) {
      const ts = performance.now();
      const batch = order.next(c.per_device_train_batch_size).map((i) => opts.data[i]);
      const r = sftStep(opts.model, opt, batch, c, step);
      const rec: SftStepRecord = { ...r, epoch: order.epoch, step_time: (performance.now() - ts) / 1000 };
      history.push(rec);
      if (lossFile !== null) appendFileSync(lossFile, `${JSON.stringify(rec)}\n`);
      bar?.tick(1, `loss ${rec.loss.toFixed(3)} · lr ${rec.learning_rate.toExponential(1)}`);
      opts.onStep?.(rec);
      if (c.output_dir !== null && c.save_steps > 0 && rec.step % c.save_steps === 0) {
        await saveCheckpoint(opts.model, join(c.output_dir, `checkpoint-${rec.step}`), opts.tokenizerDir);
      }
      await new Promise((res) => setImmediate(res));
    }
  } finally {
    opt.dispose();
  }
  return { config: c, history, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Where the policy's tensor work happens. `PolicyCompute` is what the GRPO loop asks of the model (sample,
 * log-probs, micro-batch gradients, one optimizer update, weights and optimizer state); `Replica` does it on
 * one model copy in the current thread, and `LocalPolicy` exposes a single replica (workers: 0, tests). The
 * worker-thread version with N replicas is src/workers/thread-policy.ts.
 */
import * as tf from "@tensorflow/tfjs-core";
import { explainOom } from "../backend/oom";
import { Qwen2ForCausalLM } from "../model/qwen2";
import type { CausalLM } from "../model/types";
import type { HostTensor } from "../model/weights";
import { AdamW, type AdamWOptions, type AdamWState } from "../optim/adamw";
import { globalGradNorm } from "../optim/clip";
import { generate as sampleGenerate } from "../sampler/generate";
import type { GenerateOptions, GenerateResult } from "../sampler/types";
import type { GrpoConfig } from "./config";
import { assignHostTensors, assignWeights, referenceCopy } from "./model-state";
import { type LossMetrics, type MicroBatchInput, microBatchGradients } from "./update";

/** What to change when a rollout or update runs out of memory (both micro-batch by per_device_train_batch_size). */
export const BATCH_MEMORY_HINT =
  "Lower per_device_train_batch_size (keep it a multiple of num_generations) and raise gradient_accumulation_steps to keep the same batch, or lower max_completion_length.";

/** The sampler's signature (src/sampler/generate.ts), injectable for tests. */
export type GenerateFn = (
  model: CausalLM,
  promptIds: number[][],
  opts: GenerateOptions,
) => Promise<GenerateResult>;

/** One sampling request: rows are prompts, each with its own seed; groups of `groupSize` rows stay together. */
export interface GenerationRequest {
  promptIds: number[][];
  seeds: number[];
  /** Rows per prompt group (G); a worker never gets part of a group. Default 1. */
  groupSize?: number;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  topK?: number;
  eosTokenIds: number[];
  padTokenId: number;
  /** Sequences decoded together inside one worker. */
  microBatch?: number;
}

/** The policy's weights as plain data: HF names and layout for a Qwen2 model, raw variables otherwise. */
export interface PolicyWeights {
  /** True when `names` are HF parameter names (the checkpoint can hold an HF model directory). */
  hf: boolean;
  config: Record<string, unknown>;
  names: string[];
  tensors: HostTensor[];
}

/** Options of {@link PolicyCompute.applyUpdate}. */
export interface ApplyOptions {
  /** Global-norm clip (0 disables). */
  maxGradNorm: number;
  /** False skips the update (the loss was not finite). */
  lossFinite: boolean;
}

/** The model-side operations of the GRPO loop, wherever the model lives. */
export interface PolicyCompute {
  /** Model replicas doing the work (0 = this thread). */
  readonly workers: number;
  /** The policy's HF config. */
  readonly config: Record<string, unknown>;
  generate(req: GenerationRequest): Promise<GenerateResult>;
  /** No-gradient log-probs of the policy or the frozen reference, one micro-batch per entry, in order. */
  logProbs(
    which: "policy" | "reference",
    batches: Array<{ promptIds: number[][]; completionIds: number[][] }>,
  ): Promise<number[][][]>;
  /** Gradients of every micro-batch; `onResult` is called in micro-batch order (index 0, 1, …). */
  gradients(
    batches: MicroBatchInput[],
    onResult: (index: number, grads: Float32Array[], metrics: LossMetrics, logp?: number[][]) => void,
  ): Promise<void>;
  /** Clip the summed gradient by global norm and apply AdamW on every replica (skipped when not finite). */
  applyUpdate(
    grads: Float32Array[],
    lr: number,
    opts: ApplyOptions,
  ): Promise<{ norm: number; applied: boolean }>;
  weights(): Promise<PolicyWeights>;
  /** Load weights as `weights()` returns them (HF layout by name, or raw variables in order). */
  setWeights(w: PolicyWeights): Promise<void>;
  optimizerState(): Promise<AdamWState>;
  setOptimizerState(state: AdamWState): Promise<void>;
  dispose(): Promise<void>;
}

/** What a replica is built from. */
export interface ReplicaOptions {
  /** AdamW hyper-parameters (HF names); omit for a generation-only replica. */
  adam?: AdamWOptions;
  /** Keep a frozen reference copy (β > 0): `refModel` if given, else a copy of the initial weights. */
  reference?: boolean;
  refModel?: CausalLM;
  generate?: GenerateFn;
}

/** AdamW hyper-parameters of a config. */
export function adamOptions(cfg: Readonly<GrpoConfig>): AdamWOptions {
  return {
    adam_beta1: cfg.adam_beta1,
    adam_beta2: cfg.adam_beta2,
    adam_epsilon: cfg.adam_epsilon,
    weight_decay: cfg.weight_decay,
  };
}

/** One model copy and its optimizer, computing in the current thread. */
export class Replica {
  readonly optimizer: AdamW | null;
  readonly refModel: CausalLM | null;
  private readonly ownsRef: boolean;
  private readonly generateFn: GenerateFn;

  constructor(
    readonly model: CausalLM,
    opts: ReplicaOptions = {},
  ) {
    this.optimizer = opts.adam ? new AdamW(model.trainableVariables(), opts.adam) : null;
    this.ownsRef = Boolean(opts.reference && !opts.refModel);
    this.refModel = opts.reference ? (opts.refModel ?? referenceCopy(model)) : null;
    this.generateFn = opts.generate ?? (sampleGenerate as unknown as GenerateFn);
  }

  async generate(req: GenerationRequest): Promise<GenerateResult> {
    return this.generateFn(this.model, req.promptIds, {
      maxNewTokens: req.maxNewTokens,
      temperature: req.temperature,
      topP: req.topP,
      topK: req.topK,
      eosTokenIds: req.eosTokenIds,
      padTokenId: req.padTokenId,
      seeds: req.seeds,
      microBatch: req.microBatch,
    }).catch((err: unknown) => {
      throw explainOom(
        err,
        `generation (micro-batches of ${req.microBatch ?? req.promptIds.length} sequences, up to ${req.maxNewTokens} new tokens)`,
        BATCH_MEMORY_HINT,
      );
    });
  }

  async logProbs(
    which: "policy" | "reference",
    batch: { promptIds: number[][]; completionIds: number[][] },
  ): Promise<number[][]> {
    const m = which === "policy" ? this.model : this.refModel;
    if (!m) throw new Error("logProbs(reference): this run has no reference model (beta 0)");
    return m.tokenLogProbs(batch.promptIds, batch.completionIds, { microBatch: batch.promptIds.length });
  }

  gradients(batch: MicroBatchInput): { grads: Float32Array[]; metrics: LossMetrics; logp?: number[][] } {
    try {
      return microBatchGradients(this.model, batch);
    } catch (err) {
      throw explainOom(
        err,
        `the policy update (a micro-batch of ${batch.completionIds.length} completions, up to ${batch.loss.maxCompletionLength} tokens)`,
        BATCH_MEMORY_HINT,
      );
    }
  }

  /** Global-norm clip and AdamW with the given (already summed) gradient. */
  applyUpdate(
    grads: readonly Float32Array[],
    lr: number,
    opts: ApplyOptions,
  ): { norm: number; applied: boolean } {
    if (!this.optimizer) throw new Error("applyUpdate: this replica was built without an optimizer");
    const vars = this.model.trainableVariables();
    const tensors = vars.map((v, i) => tf.tensor(grads[i], v.shape, "float32"));
    try {
      const { norm, coef } = globalGradNorm(tensors, opts.maxGradNorm);
      const applied = Number.isFinite(norm) && opts.lossFinite;
      if (applied) {
        this.optimizer.apply(tensors, lr, coef);
        if (this.model instanceof Qwen2ForCausalLM) this.model.invalidateCaches();
      }
      return { norm, applied };
    } finally {
      for (const t of tensors) t.dispose();
    }
  }

  weights(): PolicyWeights {
    const m = this.model;
    if (m instanceof Qwen2ForCausalLM) {
      const host = m.hostTensors();
      return { hf: true, config: m.config, names: [...host.keys()], tensors: [...host.values()] };
    }
    const vars = m.trainableVariables();
    return {
      hf: false,
      config: m.config,
      names: vars.map((v) => v.name),
      tensors: vars.map((v) => ({
        shape: v.shape.slice(),
        data: Float32Array.from(v.dataSync() as Float32Array),
      })),
    };
  }

  /** Load weights as {@link weights} returns them. */
  setWeights(w: PolicyWeights): void {
    if (w.hf) {
      assignHostTensors(this.model, new Map(w.names.map((n, i) => [n, w.tensors[i]])));
    } else {
      assignWeights(
        this.model,
        w.tensors.map((t) => t.data),
      );
    }
  }

  optimizerState(): AdamWState {
    if (!this.optimizer) throw new Error("optimizerState: this replica has no optimizer");
    return this.optimizer.getState();
  }

  setOptimizerState(s: AdamWState): void {
    if (!this.optimizer) throw new Error("setOptimizerState: this replica has no optimizer");
    this.optimizer.setState(s);
  }

  /** Frees the optimizer and the reference copy this replica made (not the model it was given). */
  dispose(): void {
    this.optimizer?.dispose();
    if (this.ownsRef) this.refModel?.dispose();
  }
}

/** A single replica in the caller's thread: the policy of a `workers: 0` run. */
export class LocalPolicy implements PolicyCompute {
  readonly workers = 0;
  readonly config: Record<string, unknown>;
  readonly replica: Replica;
  /** Awaited between micro-batches so an event loop shared with other work gets turns. */
  private readonly tick = () => new Promise<void>((r) => setImmediate(r));

  constructor(model: CausalLM, opts: ReplicaOptions = {}) {
    this.replica = new Replica(model, opts);
    this.config = model.config;
  }

  generate(req: GenerationRequest): Promise<GenerateResult> {
    return this.replica.generate(req);
  }

  async logProbs(
    which: "policy" | "reference",
    batches: Array<{ promptIds: number[][]; completionIds: number[][] }>,
  ): Promise<number[][][]> {
    const out: number[][][] = [];
    for (const b of batches) {
      out.push(await this.replica.logProbs(which, b));
      await this.tick();
    }
    return out;
  }

  async gradients(
    batches: MicroBatchInput[],
    onResult: (index: number, grads: Float32Array[], metrics: LossMetrics, logp?: number[][]) => void,
  ): Promise<void> {
    for (let i = 0; i < batches.length; i++) {
      const result = this.replica.gradients(batches[i]);
      onResult(i, result.grads, result.metrics, result.logp);
      await this.tick();
    }
  }

  async applyUpdate(grads: Float32Array[], lr: number, opts: ApplyOptions) {
    return this.replica.applyUpdate(grads, lr, opts);
  }

  async weights(): Promise<PolicyWeights> {
    return this.replica.weights();
  }

  async setWeights(w: PolicyWeights): Promise<void> {
    this.replica.setWeights(w);
  }

  async optimizerState(): Promise<AdamWState> {
    return this.replica.optimizerState();
  }

  async setOptimizerState(state: AdamWState): Promise<void> {
    this.replica.setOptimizerState(state);
  }

  async dispose(): Promise<void> {
    this.replica.dispose();
  }
}

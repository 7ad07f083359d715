/**
 * Sampling in a worker process, for evals: a {@link TextEngine} whose model is copied into the worker
 * threads of one shared generation process (host.ts in generator mode). The process starts on first use and
 * stays warm (it never keeps this process alive while idle); each engine loads its model's current weights at
 * its first call, so an engine always samples from the weights the model had when it was first used.
 */

import { describeBackendsIfChosen } from "../backend/select";
import {
  type EngineOutput,
  eosTokenIds,
  type GenerateCallOptions,
  type SamplingParams,
  type TextEngine,
} from "../eval/text-engine";
import type { GenerationRequest } from "../grpo/policy";
import type { Qwen2ForCausalLM } from "../model/qwen2";
import type { GenerateResult } from "../sampler/types";
import type { TokenizerLike } from "../tokenizer/types";
import { describeExit, HostProcess } from "./host-client";
import { errorFrom, type FromHost } from "./protocol";
import { modelSpec } from "./specs";

interface Shared {
  host: HostProcess;
  workers: number;
  ready: Promise<void>;
  /** The engine whose weights are loaded now. */
  loaded: WorkerEngine | null;
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
  nextId: number;
}

let shared: Shared | null = null;

function startShared(model: Qwen2ForCausalLM, workers: number, first: WorkerEngine): Shared {
  const host = new HostProcess();
  const s: Shared = { host, workers, ready: Promise.resolve(), loaded: first, pending: new Map(), nextId: 1 };
  s.ready = new Promise<void>((resolve, reject) => {
    host.onMessage((msg: FromHost) => {
      if (msg.type === "ready") resolve();
      else if (msg.type === "failed") reject(errorFrom(msg.error));
      else if (msg.type === "reply") {
        const p = s.pending.get(msg.id);
        s.pending.delete(msg.id);
        if (!p) return;
        if (msg.ok) p.resolve(msg.result);
        else p.reject(errorFrom(msg.error));
        if (s.pending.size === 0) host.unref();
      }
    });
    void host.onExit().then((exit) => {
      const err = new Error(`generation failed: ${describeExit(exit)}`);
      reject(err);
      for (const p of s.pending.values()) p.reject(err);
      s.pending.clear();
      if (shared === s) shared = null;
    });
  });
  s.ready.catch(() => {});
  host.send({
    type: "generator",
    job: { model: modelSpec(model), workers, backend: describeBackendsIfChosen()?.chosen },
  });
  return s;
}

function request<T>(
  s: Shared,
  msg:
    | { type: "generate"; request: GenerationRequest }
    | { type: "load"; model: ReturnType<typeof modelSpec> },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const id = s.nextId++;
    s.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    s.host.ref();
    s.host.send({ ...msg, id });
  });
}

/** Stop the shared generation process (tests, and scripts that want a clean exit at once). */
export async function shutdownGenerator(): Promise<void> {
  const s = shared;
  shared = null;
  await s?.host.kill();
}

/** A {@link TextEngine} sampling in worker threads (see the module comment). */
export class WorkerEngine implements TextEngine {
  readonly maxContext?: number;
  private readonly eos: number[];

  constructor(
    private readonly model: Qwen2ForCausalLM,
    readonly tokenizer: TokenizerLike,
    readonly label: string,
    private readonly opts: { workers: number; microBatch?: number },
  ) {
    this.eos = eosTokenIds(tokenizer, model.config);
    const maxPos = model.config.max_position_embeddings;
    this.maxContext = typeof maxPos === "number" ? maxPos : undefined;
  }

  /** Make sure the shared process holds this engine's weights (copied from the model at first use). */
  private async loaded(): Promise<Shared> {
    if (!shared?.host.alive || shared.workers !== this.opts.workers) {
      await shutdownGenerator();
      shared = startShared(this.model, this.opts.workers, this);
    } else if (shared.loaded !== this) {
      const s = shared;
      s.loaded = this;
      await s.ready;
      await request(s, { type: "load", model: modelSpec(this.model) });
    }
    await shared.ready;
    return shared;
  }

  async generate(
    promptIds: number[][],
    params: SamplingParams,
    seeds: readonly number[],
    call: GenerateCallOptions = {},
  ): Promise<EngineOutput[]> {
    if (call.signal?.aborted)
      return promptIds.map(() => ({ completionIds: [], truncated: true, logprobs: [] }));
    const s = await this.loaded();
    const res = await request<GenerateResult>(s, {
      type: "generate",
      request: {
        promptIds,
        seeds: [...seeds],
        maxNewTokens: params.maxNewTokens,
        temperature: params.temperature,
        topP: params.topP,
        eosTokenIds: this.eos,
        padTokenId: this.tokenizer.padTokenId,
        microBatch: this.opts.microBatch,
      },
    });
    return res.completionIds.map((ids, i) => ({
      completionIds: ids,
      truncated: res.truncated[i],
      logprobs: res.logprobs[i],
    }));
  }
}

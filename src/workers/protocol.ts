/**
 * Messages between a control process (a notebook kernel, the CLI, a script) and its worker process
 * (host.ts). Everything is plain data: structured clone (`serialization: "advanced"`) carries typed arrays.
 */
import type { MathRow } from "../data/schema";
import type { GrpoConfig } from "../grpo/config";
import type { GenerationRequest, PolicyWeights } from "../grpo/policy";
import type { RewardBatch, RewardContext } from "../rewards/types";
import type { HfTokenizerSpec } from "../tokenizer/tokenizer";
import type { ModelSpec } from "./specs";

/** An error as data. */
export interface ErrorData {
  name: string;
  message: string;
  stack?: string;
}

/** One reward of a run: computed in the worker process (built-ins), or by the control process (`remote`). */
export interface RewardPlan {
  key: string;
  name: string;
  weight: number;
  remote: boolean;
}

/** Everything a worker process needs to run a GRPO job. */
export interface RunJob {
  config: GrpoConfig;
  model: ModelSpec;
  refModel?: ModelSpec;
  tokenizer: HfTokenizerSpec;
  dataset: MathRow[];
  rewards: RewardPlan[];
  tokenizerDir?: string;
  workers: number;
  backend?: string;
  resumeFrom?: string;
  resume?: boolean;
}

/** A generation service: a model loaded into worker threads, answering generate requests. */
export interface GeneratorJob {
  model: ModelSpec;
  workers: number;
  backend?: string;
}

/** Control → worker process. */
export type ToHost =
  | { type: "run"; job: RunJob }
  | { type: "command"; name: "pause" | "resume" | "stop" | "checkpoint" | "interrupt" }
  | { type: "update"; patch: Record<string, unknown> }
  | { type: "step-ack"; step: number }
  | { type: "score-reply"; id: number; ok: true; values: (number | null)[]; unverifiable: number[] }
  | { type: "score-reply"; id: number; ok: false; error: ErrorData }
  | { type: "generator"; job: GeneratorJob }
  | { type: "generate"; id: number; request: GenerationRequest }
  | { type: "load"; id: number; model: ModelSpec };

/** Worker process → control. */
export type FromHost =
  | { type: "ready"; workers: number }
  | { type: "event"; name: "step" | "log" | "checkpoint" | "done"; payload: unknown }
  | { type: "failed"; error: ErrorData }
  | { type: "status"; status: string; step: number; totalSteps: number; config: GrpoConfig }
  | { type: "weights"; weights: PolicyWeights }
  | {
      type: "score";
      id: number;
      index: number;
      completions: string[];
      batch: RewardBatch;
      ctx: Omit<RewardContext, "diagnostics">;
    }
  | { type: "reply"; id: number; ok: true; result: unknown }
  | { type: "reply"; id: number; ok: false; error: ErrorData };

export function errorData(err: unknown): ErrorData {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message, stack: e.stack };
}

export function errorFrom(d: ErrorData): Error {
  const e = new Error(d.message);
  e.name = d.name;
  if (d.stack) (e as Error & { workerStack?: string }).workerStack = d.stack;
  return e;
}

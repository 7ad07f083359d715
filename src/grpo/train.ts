/**
 * `train()`: start a GRPO run and return its handle at once. By default the loop runs in a worker process
 * with one model replica per core (the caller's thread, e.g. a notebook kernel, stays free: see
 * src/control/remote-run.ts); `workers: 0` runs it in the calling thread. Both validate the config, claim the
 * output_dir (run-dir.ts) and refuse a disposed model before anything runs, and register the run (`runs()`).
 */
import { describeBackendsIfChosen } from "../backend/select";
import { installInterruptHandler } from "../control/interrupt";
import { registeredRuns, registerJob } from "../control/registry";
import { RemoteRun, type RemoteRunInput } from "../control/remote-run";
import { inNotebook } from "../kernel-helpers/display";
import { Qwen2ForCausalLM } from "../model/qwen2";
import { resolveWorkers } from "../workers/count";
import { backendMemoryBudget, checkTrainBounds } from "./bounds";
import type { GrpoConfig } from "./config";
import { resolveGrpoConfig } from "./config-resolve";
import type { GenerateFn } from "./policy";
import { readCheckpointConfig, resumeConfig } from "./resume";
import { GrpoRun, type RunHandle, type TrainOptions } from "./run";
import { claimRunDir } from "./run-dir";

/** What `train()` needs besides the config. */
export interface TrainInput extends RemoteRunInput {
  /** A custom sampler (tests): only with `workers: 0`. */
  generate?: GenerateFn;
}

/**
 * Start GRPO training and return its handle immediately. `config` is a partial config (e.g. a parsed recipe),
 * validated here: a bad config, a disposed model or an output_dir that belongs to another run throws
 * synchronously, before anything runs.
 */
export function train(
  config: Record<string, unknown> | Readonly<GrpoConfig>,
  deps: TrainInput,
  opts: TrainOptions = {},
): RunHandle {
  const { config: resolved } = resolveGrpoConfig({ ...config } as Record<string, unknown>);
  if (deps.model instanceof Qwen2ForCausalLM && deps.model.isDisposed) {
    throw new Error("train(): the model was disposed; load it again (Qwen2ForCausalLM.fromPretrained)");
  }
  if (deps.model instanceof Qwen2ForCausalLM) {
    // prompt + completion within the context, and a step's memory within what the backend can give a replica
    const budget = backendMemoryBudget(describeBackendsIfChosen()?.chosen ?? "wasm");
    checkTrainBounds(resolved, deps.model.cfg, {
      budgetBytes: budget?.bytes,
      budgetName: budget?.name,
      source: "the model's config",
    });
  }
  const workers = resolveWorkers(opts.workers);
  if (workers > 0 && deps.generate) {
    throw new Error("train(): a custom `generate` runs only in this thread; pass { workers: 0 }");
  }
  const resume = Boolean(opts.resume || opts.resumeFrom);
  // A resume that would change what defines the run is refused now, before the directory is touched.
  if (opts.resumeFrom) resumeConfig(readCheckpointConfig(opts.resumeFrom), resolved);
  const claim = claimRunDir(resolved.output_dir, {
    resume,
    overwrite: resolved.overwrite_output_dir,
    seed: resolved.seed,
    resumedFrom: opts.resumeFrom ?? null,
  });
  if (inNotebook()) installInterruptHandler();
  try {
    if (workers === 0) {
      const run = new GrpoRun(resolved, deps, {
        ...opts,
        resume,
        onEnd: (status, error) =>
          claim.release(status === "failed" ? "failed" : status === "stopped" ? "stopped" : "finished", {
            error: error?.message,
          }),
      });
      registerJob(run);
      return run;
    }
    return new RemoteRun(
      resolved,
      deps,
      {
        workers,
        backend: describeBackendsIfChosen()?.chosen,
        resumeFrom: opts.resumeFrom,
        resume,
      },
      claim,
    );
  } catch (err) {
    claim.release("failed", { error: (err as Error).message });
    throw err;
  }
}

/** Every run started in this process, oldest first (a handle lost with a re-run cell is still here). */
export function runs(): RunHandle[] {
  return registeredRuns() as unknown as RunHandle[];
}

/**
 * Worker-thread entry: answers `{ id, gold, target, opts }` with `{ id, ok, error? }`. Loaded by
 * {@link ./pool} through tsx's CommonJS hook; killed by the pool when a check passes its time limit. After its
 * warm-up it saves compute-engine's code cache if there was none (./engine-cache).
 */
import { parentPort } from "node:worker_threads";
import { type CompareOptions, compareLatex } from "./compare";
import { saveComputeEngineCache } from "./engine-cache";

/** A request from the pool. */
export interface WorkerRequest {
  id: number;
  gold: string;
  target: string;
  opts: CompareOptions;
}

/** The worker's answer; `error` carries an engine exception message (the verdict is then false). */
export interface WorkerResponse {
  id: number;
  ok: boolean;
  error?: string;
}

parentPort?.on("message", (req: WorkerRequest | "warmup") => {
  if (req === "warmup") {
    try {
      compareLatex("x+1", "1+x", { precision: 6, strict: true });
    } catch {
      // warm-up only
    }
    parentPort?.postMessage("ready");
    saveComputeEngineCache();
    return;
  }
  let res: WorkerResponse;
  try {
    res = { id: req.id, ok: compareLatex(req.gold, req.target, req.opts) };
  } catch (e) {
    res = { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort?.postMessage(res);
});

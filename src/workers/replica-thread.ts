/**
 * The entry of one worker thread: a model replica (src/grpo/policy.ts `Replica`) that answers the coordinator's
 * requests one at a time. Started by thread-policy.ts; every reply carries the request id, and an error is
 * sent back as data (name, message, stack) instead of crashing the thread.
 */
import { parentPort } from "node:worker_threads";
import { type BackendName, initBackend } from "../backend/select";
import { type GenerationRequest, type PolicyWeights, Replica } from "../grpo/policy";
import type { MicroBatchInput } from "../grpo/update";
import type { AdamWOptions, AdamWState } from "../optim/adamw";
import { buildModel, type ModelSpec } from "./specs";

/** A request from the coordinator. */
export type ReplicaRequest =
  | {
      id: number;
      op: "init";
      args: {
        spec: ModelSpec;
        refSpec?: ModelSpec;
        reference: boolean;
        adam?: AdamWOptions;
        backend?: BackendName;
        gradBuffers?: SharedArrayBuffer[];
      };
    }
  | { id: number; op: "generate"; args: GenerationRequest }
  | {
      id: number;
      op: "logProbs";
      args: { which: "policy" | "reference"; batch: { promptIds: number[][]; completionIds: number[][] } };
    }
  | { id: number; op: "gradients"; args: MicroBatchInput }
  | { id: number; op: "apply"; args: { lr: number; maxGradNorm: number; lossFinite: boolean } }
  | { id: number; op: "weights"; args?: undefined }
  | { id: number; op: "setWeights"; args: PolicyWeights }
  | { id: number; op: "optimizerState"; args?: undefined }
  | { id: number; op: "setOptimizerState"; args: AdamWState }
  | { id: number; op: "dispose"; args?: undefined };

/** A reply to the coordinator. */
export type ReplicaReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

let replica: Replica | null = null;
let gradViews: Float32Array[] = [];

function need(): Replica {
  if (!replica) throw new Error("replica thread: not initialised");
  return replica;
}

async function handle(req: ReplicaRequest): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
  switch (req.op) {
    case "init": {
      const a = req.args;
      await initBackend(a.backend ? { backend: a.backend } : {});
      const model = buildModel(a.spec);
      const refModel = a.refSpec ? buildModel(a.refSpec, "reference copy") : undefined;
      replica = new Replica(model, { adam: a.adam, reference: a.reference, refModel });
      gradViews = (a.gradBuffers ?? []).map((b) => new Float32Array(b));
      return { result: null };
    }
    case "generate":
      return { result: await need().generate(req.args) };
    case "logProbs":
      return { result: await need().logProbs(req.args.which, req.args.batch) };
    case "gradients": {
      const r = need().gradients(req.args);
      return { result: r, transfer: r.grads.map((g) => g.buffer as ArrayBuffer) };
    }
    case "apply":
      return { result: need().applyUpdate(gradViews, req.args.lr, req.args) };
    case "weights": {
      const w = need().weights();
      return { result: w, transfer: w.tensors.map((t) => t.data.buffer as ArrayBuffer) };
    }
    case "setWeights":
      need().setWeights(req.args);
      return { result: null };
    case "optimizerState": {
      const s = need().optimizerState();
      return { result: s, transfer: [...s.m, ...s.v].map((x) => x.buffer as ArrayBuffer) };
    }
    case "setOptimizerState":
      need().setOptimizerState(req.args);
      return { result: null };
    case "dispose":
      replica?.dispose();
      replica?.model.dispose();
      replica?.refModel?.dispose();
      replica = null;
      return { result: null };
  }
}

if (parentPort) {
  const port = parentPort;
  port.on("message", (req: ReplicaRequest) => {
    handle(req).then(
      ({ result, transfer }) =>
        port.postMessage({ id: req.id, ok: true, result } satisfies ReplicaReply, transfer ?? []),
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        port.postMessage({
          id: req.id,
          ok: false,
          error: { name: e.name, message: e.message, stack: e.stack },
        } satisfies ReplicaReply);
      },
    );
  });
}

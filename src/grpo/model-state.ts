/**
 * Model-specific pieces the trainer needs beyond the CausalLM contract: a frozen reference copy (TRL's
 * `create_reference_model`) and restoring weights from a checkpoint. Qwen2ForCausalLM gets both natively; any
 * other CausalLM must pass `refModel` itself and is checkpointed as raw weights.
 */
import * as tf from "@tensorflow/tfjs-core";
import { Qwen2ForCausalLM } from "../model/qwen2";
import type { CausalLM } from "../model/types";
import { type HostTensor, isTransposedParam, transpose2d, validateQwen2Tensors } from "../model/weights";

/** A frozen copy of `model`'s current weights (its variables are not trainable). */
export function referenceCopy(model: CausalLM): CausalLM {
  if (model instanceof Qwen2ForCausalLM) {
    const ref = new Qwen2ForCausalLM(model.config, model.hostTensors(), "reference model");
    // Frozen: nothing may train it, and variableGrads over "all trainable" must never reach it.
    for (const v of ref.trainableVariables()) v.trainable = false;
    return ref;
  }
  throw new Error(
    "beta > 0 needs a reference model: pass deps.refModel (a frozen copy of the initial policy) for models other than Qwen2ForCausalLM, or set beta: 0",
  );
}

/** Copy `values[i]` into the model's i-th trainable variable (shapes must match). */
export function assignWeights(model: CausalLM, values: readonly Float32Array[]): void {
  const vars = model.trainableVariables();
  if (values.length !== vars.length) {
    throw new Error(
      `checkpoint has ${values.length} weight tensors, the model ${vars.length}; is it the same architecture?`,
    );
  }
  vars.forEach((v, i) => {
    if (values[i].length !== v.size) {
      throw new Error(`checkpoint weight ${i} has ${values[i].length} values, variable ${v.name} ${v.size}`);
    }
    tf.tidy(() => v.assign(tf.tensor(values[i], v.shape, "float32")));
  });
  if (model instanceof Qwen2ForCausalLM) model.invalidateCaches();
}

/** Copy HF-layout host tensors (by HF name) into a Qwen2 model's variables. */
export function assignHostTensors(model: CausalLM, tensors: ReadonlyMap<string, HostTensor>): void {
  if (!(model instanceof Qwen2ForCausalLM)) {
    throw new Error("assignHostTensors: HF-named weights need a Qwen2ForCausalLM");
  }
  validateQwen2Tensors(model.cfg, tensors, "weights");
  for (const [name, v] of model.params) {
    const t = tensors.get(name)!;
    const data = isTransposedParam(name) ? transpose2d(t.data, t.shape[0], t.shape[1]) : t.data;
    tf.tidy(() => v.assign(tf.tensor(data, v.shape, "float32")));
  }
  model.invalidateCaches();
}

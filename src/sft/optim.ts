/** The two optimizers an SFT run can use, behind one `apply(grads, lr, scale)` call. */
import * as tf from "@tensorflow/tfjs-core";
import { AdamW } from "../optim/adamw";
import type { SftConfig } from "./config";

/** What the SFT loop needs from an optimizer. */
export interface SftOptimizerHandle {
  /** Apply gradients (in variable order), each scaled by `scale`, at learning rate `lr`. */
  apply(grads: readonly tf.Tensor[], lr: number, scale: number): void;
  dispose(): void;
}

/** Build the configured optimizer over `vars`. */
export function makeSftOptimizer(vars: readonly tf.Variable[], c: SftConfig): SftOptimizerHandle {
  if (c.optimizer === "adamw") return new AdamW(vars, c);
  const opt = tf.train.adam(c.learning_rate, c.adam_beta1, c.adam_beta2, c.adam_epsilon);
  const handle = opt as unknown as { learningRate: number };
  return {
    apply(grads, lr, scale) {
      handle.learningRate = lr;
      tf.tidy(() => {
        opt.applyGradients(
          vars.map((v, i) => ({ name: v.name, tensor: scale === 1 ? grads[i] : tf.mul(grads[i], scale) })),
        );
      });
    },
    dispose: () => opt.dispose(),
  };
}

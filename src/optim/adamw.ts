/**
 * AdamW exactly as `torch.optim.AdamW` (decoupled weight decay, bias-corrected moments) over a list of tfjs
 * variables, used by GRPO and SFT alike. The moments and the step count serialise to plain Float32Arrays, so a
 * checkpoint resumes bit-identically on the same backend.
 */
import * as tf from "@tensorflow/tfjs-core";

/** Hyper-parameters (HF names). */
export interface AdamWOptions {
  adam_beta1: number;
  adam_beta2: number;
  adam_epsilon: number;
  weight_decay: number;
}

/** Serialisable optimizer state: one (m, v) pair per variable, in variable order. */
export interface AdamWState {
  step: number;
  names: string[];
  m: Float32Array[];
  v: Float32Array[];
}

/** AdamW over a fixed list of variables. Owns its moment variables: call {@link AdamW.dispose}. */
export class AdamW {
  private m: tf.Variable[];
  private v: tf.Variable[];
  private t = 0;

  constructor(
    private readonly vars: readonly tf.Variable[],
    private readonly opts: AdamWOptions,
  ) {
    // tidy frees the zerosLike temporaries; the variables keep their own reference to the data.
    this.m = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  /** Optimizer steps taken so far (torch's `state["step"]`). */
  get step(): number {
    return this.t;
  }

  /**
   * One update with learning rate `lr`, each gradient first scaled by `gradScale` (the clip coefficient).
   * `grads[i]` belongs to `vars[i]`; the caller keeps ownership of the gradients.
   */
  apply(grads: readonly tf.Tensor[], lr: number, gradScale = 1): void {
    if (grads.length !== this.vars.length) {
      throw new Error(`AdamW.apply: ${grads.length} gradients for ${this.vars.length} variables`);
    }
    this.t += 1;
    const { adam_beta1: b1, adam_beta2: b2, adam_epsilon: eps, weight_decay: wd } = this.opts;
    const bias1 = 1 - b1 ** this.t;
    const bias2Sqrt = Math.sqrt(1 - b2 ** this.t);
    const stepSize = lr / bias1;
    tf.tidy(() => {
      this.vars.forEach((p, i) => {
        const g = gradScale === 1 ? grads[i] : tf.mul(grads[i], gradScale);
        // torch order: p ← p·(1 − lr·wd); m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²
        const decayed = wd !== 0 ? tf.mul(p, 1 - lr * wd) : p;
        const m = tf.add(tf.mul(this.m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), 1 - b2));
        // p ← p − (lr / bias1) · m / (√v / √bias2 + ε)
        const denom = tf.add(tf.div(tf.sqrt(v), bias2Sqrt), eps);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
        this.m[i].assign(m);
        this.v[i].assign(v);
      });
    });
  }

  /** Copy the state out (reads every moment back). */
  getState(): AdamWState {
    return {
      step: this.t,
      names: this.vars.map((x) => x.name),
      m: this.m.map((x) => Float32Array.from(x.dataSync() as Float32Array)),
      v: this.v.map((x) => Float32Array.from(x.dataSync() as Float32Array)),
    };
  }

  /** Restore a state from {@link getState}; shapes and count must match the variables. */
  setState(state: AdamWState): void {
    if (state.m.length !== this.vars.length || state.v.length !== this.vars.length) {
      throw new Error(
        `AdamW.setState: state has ${state.m.length} moments for ${this.vars.length} variables`,
      );
    }
    this.vars.forEach((p, i) => {
      if (state.m[i].length !== p.size || state.v[i].length !== p.size) {
        throw new Error(
          `AdamW.setState: moment ${i} (${state.names[i] ?? "?"}) has ${state.m[i].length} values, variable ${p.name} has ${p.size}`,
        );
      }
      tf.tidy(() => {
        this.m[i].assign(tf.tensor(state.m[i], p.shape, "float32"));
        this.v[i].assign(tf.tensor(state.v[i], p.shape, "float32"));
      });
    });
    this.t = state.step;
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}

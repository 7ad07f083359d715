/** The model contract (`CausalLM`): what the sampler, the trainers and evals ask of a causal LM. */
import type * as tf from "@tensorflow/tfjs-core";

/**
 * The contract between the engine (src/model) and its users (sampler, trainer, eval). Token ids are plain
 * arrays at this boundary; tensors stay inside the engine except where a gradient must flow.
 *
 * Conventions: prompts are ragged (no padding); the engine left-pads them itself and derives position ids
 * from the attention mask exactly as Hugging Face does (position = cumsum(mask) - 1), so a left-padded row
 * gives the same logits as the unpadded one.
 */
export interface CompletionLogProbs {
  /** [B, Tc] log π(token_t | prefix), right-padded with 0 beyond each completion. Caller disposes. */
  logprobs: tf.Tensor2D;
  /** [B, Tc] 1 for real completion tokens, 0 for padding. Caller disposes. */
  mask: tf.Tensor2D;
  /** [B, Tc] per-token entropy of the policy (no gradient), when asked for. Caller disposes. */
  entropy?: tf.Tensor2D;
}

export interface CausalLM {
  /** The Hugging Face config the model was built from (snake_case keys, as in config.json). */
  readonly config: Record<string, unknown>;
  /** Trainable weights, in a stable order (the order of HF parameter names). */
  trainableVariables(): tf.Variable[];
  /**
   * Differentiable log-probs of each completion token given its prompt, for use inside
   * `tf.variableGrads`. Runs one pass over the whole batch: callers micro-batch.
   */
  completionLogProbs(
    promptIds: number[][],
    completionIds: number[][],
    opts?: { withEntropy?: boolean },
  ): CompletionLogProbs;
  /**
   * No-gradient log-probs (old / reference policy), micro-batched to respect the 4 GiB wasm heap.
   * Returns one array per completion, of that completion's length.
   */
  tokenLogProbs(
    promptIds: number[][],
    completionIds: number[][],
    opts?: { microBatch?: number },
  ): Promise<number[][]>;
  /** Free every tensor the model owns. */
  dispose(): void;
}

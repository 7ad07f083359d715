/**
 * A toy GRPO task for tests and benches: a char-level tokenizer over digits, a tiny random Qwen2, and the
 * reward "1 when the completion contains the digit 7". Shared by the trainer tests and the resume child script.
 */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import type { MathRow } from "../../src/data/schema";
import { Qwen2ForCausalLM } from "../../src/model/qwen2";
import type { WeightedReward } from "../../src/rewards";
import type { ChatMessage, TokenizerLike } from "../../src/tokenizer/types";

/** ids: 0 pad, 1 bos, 2 eos, 3–12 digits 0–9, 13 "Q", 14 ":", 15 anything else. */
export const toyTokenizer: TokenizerLike = {
  vocabSize: 16,
  eosTokenId: 2,
  padTokenId: 0,
  bosTokenId: 1,
  encode(text: string): number[] {
    return [...text].map((ch) => (/\d/.test(ch) ? 3 + Number(ch) : ch === "Q" ? 13 : ch === ":" ? 14 : 15));
  },
  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string {
    const skip = opts?.skipSpecialTokens ?? true;
    return ids
      .map((id) =>
        id >= 3 && id <= 12
          ? String(id - 3)
          : id === 13
            ? "Q"
            : id === 14
              ? ":"
              : id === 15
                ? "?"
                : skip
                  ? ""
                  : `<${id}>`,
      )
      .join("");
  },
  applyChatTemplate(messages: ChatMessage[]): string {
    return `Q${messages.map((m) => m.content).join("")}:`;
  },
};

/** A tiny Qwen2 (~3k parameters) with seeded random weights. */
export function toyModel(
  seed = 1,
  size: { hidden?: number; layers?: number; vocab?: number } = {},
): Qwen2ForCausalLM {
  const hidden = size.hidden ?? 16;
  return Qwen2ForCausalLM.random(
    {
      model_type: "qwen2",
      vocab_size: size.vocab ?? 16,
      hidden_size: hidden,
      intermediate_size: hidden * 2,
      num_hidden_layers: size.layers ?? 1,
      num_attention_heads: 2,
      num_key_value_heads: 1,
      max_position_embeddings: 256,
      rms_norm_eps: 1e-6,
      rope_theta: 10000,
      bos_token_id: 1,
      eos_token_id: 2,
      tie_word_embeddings: true,
    },
    seed,
  );
}

/** Prompts "Q<digits>:" (answers are irrelevant to the reward). */
export const toyDataset: MathRow[] = Array.from({ length: 16 }, (_, i) => ({
  id: `toy-${i}`,
  problem: String(100 + i * 37),
  answer: "7",
}));

/** Reward 1 when the completion contains "7", else 0. */
export const sevenReward: WeightedReward = {
  key: "seven",
  name: "seven_reward",
  weight: 1,
  fn: (completions) => completions.map((c) => (c.includes("7") ? 1 : 0)),
};

/** A small, fast config for the toy task (fixed mode allows any loss_type). */
export const toyConfig = {
  per_device_train_batch_size: 4,
  gradient_accumulation_steps: 2,
  num_generations: 4,
  max_completion_length: 4,
  max_prompt_length: 8,
  learning_rate: 3e-2,
  lr_scheduler_type: "constant",
  temperature: 1.0,
  beta: 0.04,
  seed: 7,
  logging_steps: 1,
  save_steps: 0,
  reward_funcs: ["format"],
};

export async function useCpu(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
}

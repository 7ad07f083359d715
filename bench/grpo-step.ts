/**
 * Seconds per GRPO step, split into rollout (generate + rewards + ref log-probs) and train (micro-batched
 * forward/backward + AdamW), for a ~1M-parameter random Qwen2 with the tiny-r1 tokenizer and Open-RS's batch
 * layout: G = 6, 12 prompts/step (6 × 3 processes × 4 accumulation = 72 completions), 64 new tokens, β = 0.04.
 * Usage: npx tsx bench/grpo-step.ts [steps=3] [backend]. Prints numbers; asserts nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BackendName, initBackend } from "../src/backend/select";
import { resolveGrpoConfig } from "../src/grpo/config-resolve";
import { GrpoTrainer } from "../src/grpo/trainer";
import { Qwen2ForCausalLM } from "../src/model/qwen2";
import { HfTokenizer } from "../src/tokenizer/tokenizer";

async function main(): Promise<void> {
  const steps = Number(process.argv[2] ?? 3);
  const info = await initBackend(process.argv[3] ? { backend: process.argv[3] as BackendName } : {});
  const tokenizer = HfTokenizer.fromDir(join(__dirname, "../data/models/tiny-r1"));
  const model = Qwen2ForCausalLM.random(
    {
      model_type: "qwen2",
      vocab_size: tokenizer.vocabSize,
      hidden_size: 128,
      intermediate_size: 384,
      num_hidden_layers: 4,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      max_position_embeddings: 1024,
      rms_norm_eps: 1e-6,
      rope_theta: 10000,
      bos_token_id: tokenizer.bosTokenId ?? 0,
      eos_token_id: tokenizer.eosTokenId,
      tie_word_embeddings: true,
    },
    1,
  );
  const out = mkdtempSync(join(tmpdir(), "grpo-bench-"));
  const { config } = resolveGrpoConfig({
    per_device_train_batch_size: 6,
    num_processes: 3,
    gradient_accumulation_steps: 4,
    num_generations: 6,
    max_completion_length: 64,
    max_prompt_length: 128,
    temperature: 0.7,
    beta: 0.04,
    reward_funcs: ["format", "accuracy"],
    max_steps: steps + 1,
    save_steps: 0,
    output_dir: out,
  });
  const dataset = Array.from({ length: 64 }, (_, i) => ({
    problem: `What is ${i} + ${2 * i}?`,
    answer: String(3 * i),
  }));
  const t = new GrpoTrainer(config, { model, tokenizer, dataset });
  console.log(
    `backend ${JSON.stringify(info)}; params ${model.numParameters()}; 72 completions/step, 64 new tokens`,
  );
  for (let i = 0; i <= steps; i++) {
    const m = await t.trainStep();
    const f = (k: string) => (m[k] as number).toFixed(2);
    console.log(
      `${i === 0 ? "warm-up " : ""}step ${m.step}: ${f("step_time")} s (rollout ${f("perf/rollout_time")} s, train ${f("perf/train_time")} s), mean length ${f("completions/mean_length")}`,
    );
  }
  t.dispose();
  model.dispose();
  rmSync(out, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

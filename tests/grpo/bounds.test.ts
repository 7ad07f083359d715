import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import {
  backendMemoryBudget,
  checkContextBounds,
  checkMemoryBounds,
  checkTrainBounds,
  estimateStepMemory,
} from "../../src/grpo/bounds";
import { GRPO_DEFAULTS } from "../../src/grpo/config";
import { countParameters, parseQwen2Config } from "../../src/model/config";

const ROOT = join(__dirname, "..", "..");
const TINY = parseQwen2Config(
  JSON.parse(readFileSync(join(ROOT, "data/models/tiny-r1/config.json"), "utf8")),
);
const QUICKSTART = {
  ...GRPO_DEFAULTS,
  ...parseYaml(readFileSync(join(ROOT, "configs/quickstart.yaml"), "utf8")),
};
const GiB = 2 ** 30;

describe("bounds before the first GRPO step", () => {
  it("prompt + completion must fit max_position_embeddings; the error names both keys and the fix", () => {
    checkContextBounds({ ...QUICKSTART, max_completion_length: 384 }, TINY); // 128 + 384 = 512 fits exactly
    assert.throws(
      () =>
        checkContextBounds(
          { ...QUICKSTART, max_completion_length: 100000 },
          TINY,
          "data/models/tiny-r1/config.json",
        ),
      /max_prompt_length \(128\) \+ max_completion_length \(100000\) = 100128 exceeds the model's context of 512 tokens \(max_position_embeddings in data\/models\/tiny-r1\/config\.json\); lower max_completion_length to ≤ 384/,
    );
    assert.throws(
      () => checkContextBounds({ ...QUICKSTART, max_prompt_length: 600, max_completion_length: 10 }, TINY),
      /lower max_prompt_length below 512/,
    );
  });

  it("memory estimate on a hand-sized model: d 4, f 8, 1 layer, 2 heads of 2, 1 KV head, vocab 10, T 3, B 2", () => {
    const model = {
      vocab_size: 10,
      hidden_size: 4,
      intermediate_size: 8,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      num_key_value_heads: 1,
      head_dim: 2,
      tie_word_embeddings: true,
      max_position_embeddings: 16,
    };
    const cfg = {
      ...GRPO_DEFAULTS,
      max_prompt_length: 2,
      max_completion_length: 1,
      per_device_train_batch_size: 2,
      beta: 0,
    };
    // params: embed 40 + layer (q 16+4, k 8+2, v 8+2, o 16, mlp 96, norms 8 = 160) + final norm 4 = 204
    assert.equal(countParameters(parseQwen2Config({ ...model })), 204);
    const m = estimateStepMemory(cfg, model);
    assert.equal(m.weights, 204 * 4 * 4); // weights, gradients, Adam m and v
    // per token: layer 10·4 + 4·8 + 2·2 + 2·2·3 = 88, logits 3·10 = 30 → 118; ×2 (tape) × B 2 × T 3 × 4 bytes
    assert.equal(m.update, 2 * 2 * 3 * 118 * 4);
    // KV cache 2 seqs × 1 layer × (K, V) × 2 × 3 tokens, logits 2 × 10 × 2
    assert.equal(m.generation, (2 * 1 * 2 * 2 * 3 + 2 * 10 * 2) * 4);
    assert.equal(m.total, m.weights + m.update);
    assert.equal(
      estimateStepMemory({ ...cfg, beta: 0.04 }, model).weights,
      204 * 4 * 5,
      "β > 0 adds a reference model",
    );
  });

  it("tiny-r1 with the quickstart fits the wasm heap; a batch of 4,000,000 is refused naming the settings", () => {
    const budget = backendMemoryBudget("wasm")!;
    const m = checkMemoryBounds(QUICKSTART, TINY, budget.bytes, budget.name);
    assert.ok(m.total > 1.5 * GiB && m.total < 2.5 * GiB, `quickstart estimate ${m.total / GiB} GiB`);
    assert.throws(
      () =>
        checkMemoryBounds(
          { ...QUICKSTART, per_device_train_batch_size: 4_000_000 },
          TINY,
          budget.bytes,
          budget.name,
        ),
      /one step needs about \d+\.\d GiB .*more than the 4 GiB wasm heap \(4\.0 GiB\); lower per_device_train_batch_size \(≤ 96 fits\), keeping it a multiple of num_generations, and raise gradient_accumulation_steps/,
    );
    assert.equal(
      backendMemoryBudget("tensorflow"),
      undefined,
      "GPU memory is not known here: no memory bound",
    );
    assert.equal(backendMemoryBudget("cpu", 24 * GiB)?.bytes, 18 * GiB);
  });

  it("a 1.5B model on the wasm heap: the weights alone do not fit, and the error says so", () => {
    const qwen15 = parseQwen2Config({
      vocab_size: 151936,
      hidden_size: 1536,
      intermediate_size: 8960,
      num_hidden_layers: 28,
      num_attention_heads: 12,
      num_key_value_heads: 2,
      max_position_embeddings: 131072,
      tie_word_embeddings: false,
    });
    assert.throws(
      () =>
        checkTrainBounds({ ...QUICKSTART, per_device_train_batch_size: 6 }, qwen15, {
          budgetBytes: 4 * GiB,
          budgetName: "the 4 GiB wasm heap",
        }),
      /weights, gradients and optimizer state need about 2\d\.\d GiB, more than the 4 GiB wasm heap/,
    );
  });
});

/**
 * Which prompts a GRPO step trains on (TRL's `RepeatRandomSampler` layout): each step draws
 * `promptsPerRollout` distinct prompts from the epoch sampler, each prompt's G completions are contiguous rows,
 * and with μ = num_iterations > 1 the same rollout serves μ optimizer steps.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { resolveGrpoConfig } from "../../src/grpo/config-resolve";
import type { GenerateFn } from "../../src/grpo/policy";
import { GrpoTrainer, promptsPerRollout } from "../../src/grpo/trainer";
import { sevenReward, toyConfig, toyDataset, toyModel, toyTokenizer, useCpu } from "./toy";

describe("GRPO prompt layout", () => {
  it("distinct prompts per rollout, G contiguous rows each, every row once per epoch, μ steps per rollout", async () => {
    await useCpu();
    const out = mkdtempSync(join(tmpdir(), "grpo-layout-"));
    const calls: number[][][] = [];
    // A fake sampler: records the prompt rows and answers "7" + EOS for every row.
    const generate: GenerateFn = async (_model, promptIds) => {
      calls.push(promptIds);
      return {
        completionIds: promptIds.map(() => [10, 2]),
        logprobs: promptIds.map(() => [-1, -1]),
        truncated: promptIds.map(() => false),
      };
    };
    const { config } = resolveGrpoConfig({
      ...toyConfig,
      mode: "fixed",
      beta: 0,
      num_iterations: 2,
      output_dir: out,
    });
    const G = config.num_generations;
    const perRollout = promptsPerRollout(config); // 4 × 1 × 2 / 4 = 2 prompts
    assert.equal(perRollout, 2);
    const model = toyModel(1);
    const t = new GrpoTrainer(config, {
      model,
      tokenizer: toyTokenizer,
      dataset: toyDataset,
      rewards: [sevenReward],
      generate,
    });
    const rolloutsPerEpoch = toyDataset.length / perRollout;
    for (let i = 0; i < 2 * rolloutsPerEpoch; i++) await t.trainStep();
    assert.equal(calls.length, rolloutsPerEpoch, "μ = 2: one rollout every second step");
    const promptOf = (ids: number[]) => toyTokenizer.decode(ids).slice(1, -1);
    const drawn = calls.map((rows) => {
      assert.equal(rows.length, perRollout * G);
      const groups = Array.from({ length: perRollout }, (_, g) =>
        rows.slice(g * G, (g + 1) * G).map(promptOf),
      );
      for (const group of groups)
        assert.ok(
          group.every((p) => p === group[0]),
          `a group mixes prompts: ${group}`,
        );
      return groups.map((g) => g[0]);
    });
    for (const prompts of drawn)
      assert.equal(new Set(prompts).size, perRollout, "a rollout repeats a prompt");
    assert.deepEqual(
      drawn.flat().sort(),
      toyDataset.map((r) => r.problem).sort(),
      "one epoch of rollouts draws every row once",
    );
    await t.dispose();
    model.dispose();
    rmSync(out, { recursive: true, force: true });
  });
});

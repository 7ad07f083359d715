import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { checkField } from "../../src/config/schema";
import { GRPO_DEFAULTS, GRPO_SCHEMA, type GrpoConfig, upgradeSavedConfig } from "../../src/grpo/config";
import {
  loadGrpoConfig,
  parseOverrides,
  resolveGrpoConfig,
  rewardParamsOf,
} from "../../src/grpo/config-resolve";

const repoRoot = path.resolve(__dirname, "../..");

describe("resolveGrpoConfig", () => {
  it("defaults are TRL@69ad852e's and frozen", () => {
    const { config } = resolveGrpoConfig({});
    assert.equal(config.beta, 0.04);
    assert.equal(config.loss_type, "bnpo");
    assert.equal(config.mode, "faithful");
    assert.ok(Object.isFrozen(GRPO_DEFAULTS) && Object.isFrozen(config));
  });

  it("loads the Open-RS recipe: keys as they are, ignored keys warn once each", () => {
    const { config, warnings } = loadGrpoConfig(path.join(repoRoot, "configs/open-rs-grpo.yaml"));
    assert.equal(config.learning_rate, 1e-6);
    assert.deepEqual(config.lr_scheduler_kwargs, { min_lr_rate: 0.1 });
    assert.deepEqual(config.reward_weights, [1, 2]);
    assert.equal(
      config.per_device_train_batch_size * config.num_processes * config.gradient_accumulation_steps,
      72,
    );
    assert.ok(config.system_prompt?.includes("\\boxed{{}}"), "the literal \\boxed{{}} survives");
    assert.ok(warnings.some((w) => w.includes("vllm_enforce_eager")));
    assert.ok(warnings.some((w) => w.includes("push_to_hub")));
    assert.ok(warnings.some((w) => w.includes("report_to")));
  });

  it("rejects a batch not divisible by num_generations, naming field, value and fix", () => {
    assert.throws(
      () => resolveGrpoConfig({ per_device_train_batch_size: 4, num_generations: 6 }),
      /per_device_train_batch_size = 4 .*divisible by num_generations \(6\)/,
    );
  });

  it("rejects β < 0", () => {
    assert.throws(() => resolveGrpoConfig({ beta: -0.1 }), /beta = -0.1 is invalid: .*≥ 0/);
  });

  it("rejects unknown keys and lists the valid ones with a hint", () => {
    assert.throws(
      () => resolveGrpoConfig({ learning_rat: 1 }),
      (e: Error) => {
        assert.match(e.message, /unknown key learning_rat\. Did you mean learning_rate\?/);
        assert.match(e.message, /Valid keys: .*num_generations/);
        return true;
      },
    );
  });

  it("rejects unknown reward functions against the registry's names", () => {
    assert.throws(
      () =>
        resolveGrpoConfig({ reward_funcs: ["format", "acurracy"] }, { rewardNames: ["accuracy", "format"] }),
      /reward_funcs = "acurracy" .*valid names: accuracy, format/,
    );
  });

  it("asks the rewards registry by default", () => {
    assert.throws(
      () => resolveGrpoConfig({ reward_funcs: ["cosinus"] }),
      /reward_funcs = "cosinus" .*valid names: accuracy, format/,
    );
    const { config } = resolveGrpoConfig({ reward_funcs: ["format", "cosine"], cosine_max_len: 3584 });
    assert.deepEqual(rewardParamsOf(config), { cosine_max_len: 3584 });
  });

  it("rejects mismatched reward_weights and wrong types", () => {
    assert.throws(
      () => resolveGrpoConfig({ reward_weights: [1] }),
      /reward_weights .*one weight per reward function/,
    );
    assert.throws(() => resolveGrpoConfig({ num_generations: 2.5 }), /num_generations = 2.5 .*integer/);
    assert.throws(
      () => resolveGrpoConfig({ loss_type: "ppo" }),
      /loss_type = "ppo" .*grpo, bnpo, dr_grpo, dapo/,
    );
  });

  it("faithful mode rejects options TRL@69ad852e did not have; fixed mode accepts them", () => {
    assert.throws(() => resolveGrpoConfig({ loss_type: "dapo" }), /loss_type .*set mode: fixed/);
    assert.throws(
      () => resolveGrpoConfig({ drop_zero_std_groups: true }),
      /drop_zero_std_groups .*mode: fixed/,
    );
    const { config } = resolveGrpoConfig({
      mode: "fixed",
      loss_type: "dapo",
      scale_rewards: false,
      epsilon_high: 0.28,
    });
    assert.equal(config.scale_rewards, "none");
  });

  it("cosine_with_min_lr needs min_lr_rate or min_lr", () => {
    assert.throws(
      () => resolveGrpoConfig({ lr_scheduler_type: "cosine_with_min_lr" }),
      /lr_scheduler_kwargs/,
    );
    const { config } = resolveGrpoConfig({ lr_scheduler_type: "cosine_with_min_lr", min_lr_rate: 0.1 });
    assert.equal(config.lr_scheduler_kwargs.min_lr_rate, 0.1);
  });

  it("reads the old name maxSkippedSteps as max_skipped_steps, with a warning", () => {
    const { config, warnings } = resolveGrpoConfig({ maxSkippedSteps: 5 });
    assert.equal(config.max_skipped_steps, 5);
    assert.ok(!("maxSkippedSteps" in config));
    assert.deepEqual(warnings, [
      "GRPO config: maxSkippedSteps is now called max_skipped_steps; reading it as max_skipped_steps",
    ]);
    const both = resolveGrpoConfig({ maxSkippedSteps: 5, max_skipped_steps: 2 });
    assert.equal(both.config.max_skipped_steps, 2, "the new name wins");
    assert.match(both.warnings[0], /ignoring maxSkippedSteps/);
    assert.throws(
      () => resolveGrpoConfig({ maxSkippedSteps: 0 }),
      /max_skipped_steps = 0 is invalid: must be ≥ 1/,
    );
    // a checkpoint written before the rename compares key by key with a current config
    const saved = { ...GRPO_DEFAULTS, maxSkippedSteps: 4 } as unknown as GrpoConfig;
    delete (saved as Partial<GrpoConfig>).max_skipped_steps;
    assert.deepEqual(upgradeSavedConfig(saved), { ...GRPO_DEFAULTS, max_skipped_steps: 4 });
  });

  it("the schema table is the one declaration: every field has a kind, a default that passes it, and a doc", () => {
    for (const [key, field] of Object.entries(GRPO_SCHEMA)) {
      assert.ok(field.doc.length > 20, `${key}: doc`);
      assert.deepEqual(GRPO_DEFAULTS[key as keyof GrpoConfig], field.default, `${key}: default`);
      const fail = (_k: string, _v: unknown, fix: string) =>
        new Error(`${key}: the default fails its kind: ${fix}`);
      assert.deepEqual(checkField(key, field, field.default, fail), field.default);
      assert.ok(!/[A-Z]/.test(key), `${key}: snake_case`);
    }
    // a value of the wrong kind names the field, the value and the fix
    assert.throws(
      () => resolveGrpoConfig({ loss_type: "ppo" }),
      /loss_type = "ppo" is invalid: use one of grpo, bnpo, dr_grpo, dapo/,
    );
    assert.throws(() => resolveGrpoConfig({ seed: "1" }), /seed = "1" is invalid: expected an integer/);
    assert.throws(
      () => resolveGrpoConfig({ log_completions: 1 }),
      /log_completions = 1 is invalid: expected true or false/,
    );
    // keys that only exist on Object.prototype are unknown keys, not fields
    assert.throws(() => resolveGrpoConfig(JSON.parse('{"constructor": 1}')), /unknown key constructor/);
    assert.throws(() => resolveGrpoConfig(JSON.parse('{"__proto__": {"beta": 1}}')), /unknown key __proto__/);
  });

  it("parses --set overrides as YAML scalars", () => {
    assert.deepEqual(
      parseOverrides(["beta=0", "reward_weights=[1, 2]", "lr_scheduler_kwargs.min_lr_rate=0.2"]),
      {
        beta: 0,
        reward_weights: [1, 2],
        lr_scheduler_kwargs: { min_lr_rate: 0.2 },
      },
    );
    assert.throws(() => parseOverrides(["beta"]), /expected key=value/);
  });
});

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadQuickstartConfig, parseQuickstartConfig } from "../../src/quickstart/config";

const ROOT = join(__dirname, "..", "..");

describe("quickstart / experiment configs", () => {
  const files = [
    "quickstart.yaml",
    ...readdirSync(join(ROOT, "configs")).filter((f) => f.startsWith("experiment-")),
  ];

  it("ships the quickstart and the three experiment miniatures", () => {
    assert.deepEqual(files.sort(), [
      "experiment-1.yaml",
      "experiment-2.yaml",
      "experiment-3.yaml",
      "quickstart.yaml",
    ]);
  });

  for (const f of files) {
    it(`${f} loads and validates (G = 6, tiny-r1 without a system prompt)`, () => {
      const cfg = loadQuickstartConfig(join(ROOT, "configs", f));
      assert.equal(cfg.grpo.num_generations, 6);
      assert.equal(cfg.grpo.system_prompt, null);
      assert.deepEqual(cfg.warnings, []);
      assert.ok(cfg.spec.eval_hard > 0);
    });
  }

  it("the quickstart uses Open-RS's format + accuracy rewards", () => {
    const cfg = loadQuickstartConfig(join(ROOT, "configs", "quickstart.yaml"));
    assert.deepEqual(cfg.grpo.reward_funcs, ["format", "accuracy"]);
  });

  it("overrides replace GRPO keys and, under `quickstart`, keys of the block", () => {
    const text = "learning_rate: 1.0e-4\nquickstart:\n  eval_hard: 10\n  max_train_seconds: 60\n";
    const cfg = parseQuickstartConfig(text, { seed: 7, quickstart: { max_train_seconds: 0 } });
    assert.equal(cfg.grpo.seed, 7);
    assert.equal(cfg.grpo.learning_rate, 1e-4);
    assert.equal(cfg.spec.eval_hard, 10);
    assert.equal(cfg.spec.max_train_seconds, 0);
  });

  it("errors name the offending key", () => {
    assert.throws(
      () => parseQuickstartConfig("quickstart:\n  eval_hardd: 3\n"),
      /unknown quickstart key "eval_hardd"/,
    );
    assert.throws(
      () => parseQuickstartConfig("quickstart:\n  train_levels: Medium\n"),
      /quickstart.train_levels = "Medium" is invalid: use one of Hard, Easy, mix/,
    );
    assert.throws(() => parseQuickstartConfig("learning_rat: 1\n"), /unknown key learning_rat/);
    assert.throws(() => parseQuickstartConfig("- 1\n"), /must be a YAML mapping/);
  });
});

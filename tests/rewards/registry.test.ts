import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, it } from "node:test";
import {
  named,
  REWARD_REGISTRY,
  registerReward,
  resolveRewards,
  rewardKeys,
  scoreRewards,
  unregisterReward,
} from "../../src/rewards";
import { ctxOf, row } from "./fakes";

const OPEN_R1_NAMES: Record<string, string> = {
  accuracy: "accuracy_reward",
  format: "format_reward",
  format_r1: "format_reward_r1",
  tag_count: "tag_count_reward",
  tag_count_r1: "tag_count_reward_r1",
  cosine: "cosine_scaled_reward",
  reasoning_steps: "reasoning_steps_reward",
  repetition_penalty: "repetition_penalty_reward",
  length: "len_reward",
  soft_overlong_punishment: "soft_overlong_punishment_reward",
};

afterEach(() => {
  unregisterReward("short");
  unregisterReward("bonus");
});

describe("reward registry", () => {
  it("maps every key to open-r1's function name, and each factory's reward carries it", () => {
    assert.deepEqual(Object.keys(REWARD_REGISTRY).sort(), Object.keys(OPEN_R1_NAMES).sort());
    const resolved = resolveRewards(Object.keys(OPEN_R1_NAMES));
    for (const r of resolved) {
      assert.equal(r.name, OPEN_R1_NAMES[r.key], r.key);
      assert.equal((r.fn as { rewardName?: string }).rewardName, r.name, `${r.key} rewardName`);
      assert.equal(r.weight, 1, "TRL: reward_weights omitted → 1.0");
    }
  });
  it("resolves Open-RS Exp 3 with weights and params", () => {
    const r = resolveRewards(["format", "cosine"], [1, 2], { cosine_max_len: 3584 });
    assert.deepEqual(
      r.map((x) => [x.key, x.name, x.weight]),
      [
        ["format", "format_reward", 1],
        ["cosine", "cosine_scaled_reward", 2],
      ],
    );
  });
  it("unknown key throws an Error listing every valid key", () => {
    assert.throws(
      () => resolveRewards(["accuracy", "acuracy"]),
      (e: Error) => {
        assert.match(e.message, /unknown reward "acuracy"/);
        for (const k of Object.keys(REWARD_REGISTRY)) assert.ok(e.message.includes(k), `lists ${k}`);
        return true;
      },
    );
  });
  it("rejects bad weights, duplicates, unknown params and an empty list", () => {
    assert.throws(
      () => resolveRewards(["format", "accuracy"], [1]),
      /reward_weights has 1 entries but reward_funcs has 2/,
    );
    assert.throws(() => resolveRewards(["format"], [Number.NaN]), /reward_weights\[0\]/);
    assert.throws(() => resolveRewards(["format", "format"]), /appears twice/);
    assert.throws(
      () => resolveRewards(["cosine"], undefined, { cosine_maxlen: 3 } as never),
      /unknown reward param "cosine_maxlen"/,
    );
    assert.throws(() => resolveRewards(["cosine"], undefined, { cosine_max_len: -1 }), /cosine_max_len/);
    assert.throws(() => resolveRewards([]), /non-empty/);
    assert.throws(
      () => resolveRewards(["cosine"], null, { cosine_max_len: Number.NaN }),
      /finite number or null/,
    );
  });
  it("null weights and null params mean 'default' (as the GRPO config holds them)", () => {
    const [r] = resolveRewards(["cosine"], null, { cosine_max_len: null, cosine_min_value_wrong: null });
    assert.equal(r.weight, 1);
  });
});

describe("registerReward (user rewards from a notebook cell)", () => {
  it("a registered function is resolved and scored like a built-in, with its default weight", async () => {
    registerReward("short", (cs) => cs.map((c) => (c.length < 5 ? 1 : 0)), { weight: 0.5 });
    assert.ok(rewardKeys().includes("short"));
    const fns = resolveRewards(["format", "short"]);
    assert.deepEqual(
      fns.map((f) => [f.name, f.weight]),
      [
        ["format_reward", 1],
        ["short", 0.5],
      ],
    );
    const out = await scoreRewards(
      fns,
      ["ok", "too long\n</think>\n"],
      [row("s"), row("s")],
      ctxOf("faithful", [1, 1]),
    );
    assert.deepEqual(out.totals, [0.5, 1], "[0 + 0.5·1, 1 + 0.5·0]");
    assert.deepEqual(resolveRewards(["short"], [3])[0].weight, 3, "explicit weights win");
  });
  it("takes { factory } to receive params, and uses rewardName / name for the metric", () => {
    registerReward("bonus", {
      factory: (p) => named("bonus_reward", (cs) => cs.map(() => p.cosine_max_len ?? 0)),
    });
    const [r] = resolveRewards(["bonus"], undefined, { cosine_max_len: 7 });
    assert.equal(r.name, "bonus", "factory form: name defaults to the key (pass { name } to change it)");
    assert.deepEqual(r.fn(["a"], [row("s")], ctxOf("fixed", [1])), [7]);
    registerReward(
      "short",
      named("my_short_reward", () => [1]),
    );
    assert.equal(resolveRewards(["short"])[0].name, "my_short_reward", "function form: rewardName");
    registerReward("short", () => [1], { name: "custom_name" });
    assert.equal(resolveRewards(["short"])[0].name, "custom_name", "re-registering replaces (cells re-run)");
  });
  it("refuses built-in keys, bad keys and non-functions", () => {
    assert.throws(() => registerReward("accuracy", () => []), /built-in reward/);
    assert.throws(() => registerReward("has space", () => []), /identifier-like/);
    assert.throws(() => registerReward("short", 42 as never), /pass a reward function/);
    assert.throws(
      () => registerReward("short", () => [], { weight: Number.POSITIVE_INFINITY }),
      /weight must be finite/,
    );
  });
  it("unregisterReward removes it again", () => {
    registerReward("short", () => []);
    assert.equal(unregisterReward("short"), true);
    assert.throws(() => resolveRewards(["short"]), /unknown reward "short"/);
  });
});

describe("docs stay in sync with the registry", () => {
  it("README.md names every key and metric name", () => {
    const readme = readFileSync(path.resolve(__dirname, "../../src/rewards/README.md"), "utf8");
    for (const [key, entry] of Object.entries(REWARD_REGISTRY)) {
      assert.ok(readme.includes(`\`${key}\``), `README lists key ${key}`);
      assert.ok(readme.includes(`\`${entry.name}\``), `README lists name ${entry.name}`);
    }
  });
});

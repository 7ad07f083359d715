import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatReward,
  formatRewardR1,
  reasoningStepsReward,
  repetitionPenaltyReward,
  softOverlongPunishmentReward,
  tagCountReward,
  tagCountRewardR1,
} from "../../src/rewards/rules";
import type { NamedRewardFn, RewardContext } from "../../src/rewards/types";

const ctx = (tokens: number[] = [], extra: Partial<RewardContext> = {}): RewardContext => ({
  completionTokenCounts: tokens,
  mode: "faithful",
  ...extra,
});

/** Run a sync rule reward on one completion. */
async function one(fn: NamedRewardFn, text: string, c: RewardContext = ctx([0])): Promise<number | null> {
  const out = await fn([text], [{ problem: "", answer: "", prompt: "" }], c);
  return out[0];
}

type Row = [completion: string, expected: number, rule: string];

function table(title: string, make: () => NamedRewardFn, rows: Row[]): void {
  describe(title, () => {
    for (const [completion, expected, rule] of rows) {
      it(`${JSON.stringify(completion).slice(0, 60)} → ${expected} (${rule})`, async () => {
        const got = await one(make(), completion);
        assert.ok(got !== null);
        assert.ok(Math.abs(got - expected) < 1e-12, `got ${got}, expected ${expected}`);
      });
    }
  });
}

table("format_reward (open-rs: count('\\n</think>\\n') == 1)", formatReward, [
  ["reasoning\n</think>\n\\boxed{1}", 1, "closing tag once"],
  ["reasoning</think>\n\\boxed{1}", 0, "no newline before the tag"],
  ["a\n</think>\nb\n</think>\n", 0, "count 2"],
  ["a\n</think>\n</think>\n", 1, "str.count is non-overlapping: the 2nd tag lacks its own leading \\n"],
  ["reasoning\n</think>", 0, "no newline after the tag at EOF"],
  ["", 0, "empty"],
]);

table("format_reward_r1 (open-r1 regex, DOTALL|MULTILINE, re.match)", formatRewardR1, [
  ["<think>\nreason\n</think>\n<answer>\n42\n</answer>", 1, "full template"],
  ["<think>\nline1\nline2\n</think>\n<answer>\n4\n2\n</answer>", 1, "DOTALL: . spans newlines"],
  ["<think>\nr\n</think>\n<answer>\n42\n</answer>\ntrailing", 1, "MULTILINE $ before \\n"],
  ["<think>\nr\n</think>\n<answer>\n42\n</answer> trailing", 0, "$ needs \\n or end"],
  ["<think>\nr\n</think>\n<answer>\n42\n</answer>\r\n", 0, "Python $ does not stop at \\r"],
  ["x<think>\nr\n</think>\n<answer>\n42\n</answer>", 0, "re.match anchors at 0"],
  ["reason\n</think>\n<answer>\n42\n</answer>", 0, "prefilled <think> (open-r1#560): always 0"],
  ["<think>\n\n</think>\n<answer>\n\n</answer>", 1, "lazy .*? may be empty"],
]);

table("tag_count_reward (open-rs: 0.5·[<think>\\n once] + 0.5·[\\n</think>\\n once])", tagCountReward, [
  ["<think>\nx\n</think>\ny", 1, "both tags once"],
  ["x\n</think>\ny", 0.5, "prefilled <think>: only the closing tag"],
  ["<think>\n<think>\nx\n</think>\n", 0.5, "opening tag twice"],
  ["", 0, "no tags"],
]);

table("tag_count_reward_r1 (open-r1: 0.25 per tag once)", tagCountRewardR1, [
  ["<think>\nx\n</think>\n<answer>\ny\n</answer>", 1, "all four tags"],
  ["x\n</think>\n<answer>\ny\n</answer>", 0.75, "no <think>\\n"],
  ["<answer>\ny\n</answer>", 0.25, "only \\n</answer> (no \\n before <answer>)"],
  ["<think>\n<think>\n", 0, "<think>\\n twice"],
]);

table("reasoning_steps_reward (min(1, count/3), no MULTILINE)", reasoningStepsReward, [
  ["Step 1: a Step 2: b Step 3: c", 1, "three 'Step n:'"],
  ["1. first\n2. second", 1 / 3, "^\\d+\\. only at string start: 1 match"],
  ["a\n1. x\n2. y\n3. z", 0, "numbered lines after the start do not count"],
  ["First, a. Next, b.", 2 / 3, "two transition words"],
  ["\n- a\n- b\n* c\n- d", 1, "4 bullets capped at 1"],
  ["Step \u0663: x", 1 / 3, "Python \\d matches Unicode digits (U+0663)"],
  ["", 0, "empty"],
]);

table("repetition_penalty_reward (n=3, max_penalty −1)", () => repetitionPenaltyReward(), [
  ["", 0, "empty text → 0"],
  ["a b", 0, "fewer than n words → 0"],
  ["a b c", 0, "1 n-gram, 1 unique → (1−1)·−1 = 0"],
  ["a b a b a b", -0.5, "4 n-grams, 2 unique → (1−2/4)·−1"],
  ["A b A B a B", -0.5, "lower() before splitting"],
  ["a\u00a0b\u00a0a\u00a0b\u00a0a\u00a0b", -0.5, "NBSP is Python whitespace"],
  ["the cat sat on the mat", 0, "4 n-grams all unique"],
]);

table(
  "repetition_penalty_reward (n=2, max_penalty −2)",
  () => repetitionPenaltyReward({ repetition_n_grams: 2, repetition_max_penalty: -2 }),
  [
    ["x x x x", -4 / 3, "3 bigrams, 1 unique → (1−1/3)·−2"],
    ["a\ufeffb c", 0, "U+FEFF is not Python whitespace: 2 words, 1 bigram"],
  ],
);

describe("repetition_penalty_reward factory checks", () => {
  it("throws for a positive max_penalty (open-r1 raises ValueError)", () => {
    assert.throws(() => repetitionPenaltyReward({ repetition_max_penalty: 0.5 }), /repetition_max_penalty/);
  });
  it("throws for n < 1", () => {
    assert.throws(() => repetitionPenaltyReward({ repetition_n_grams: 0 }), /repetition_n_grams/);
  });
});

describe("soft_overlong_punishment_reward (DAPO Eq. 13, tokens)", () => {
  const p = { max_completion_len: 100, soft_punish_cache: 20 };
  const cases: Array<[tokens: number, expected: number, rule: string]> = [
    [50, 0, "L ≤ Lmax−C → 0"],
    [80, 0, "L = Lmax−C boundary → 0"],
    [90, -0.5, "(80−90)/20"],
    [100, -1, "L = Lmax → (80−100)/20 = −1"],
    [101, -1, "L > Lmax → −1"],
  ];
  for (const [tokens, expected, rule] of cases) {
    it(`L=${tokens} → ${expected} (${rule})`, async () => {
      assert.equal(await one(softOverlongPunishmentReward(p), "ignored", ctx([tokens])), expected);
    });
  }
  it("Lmax defaults to ctx.maxCompletionLength, then 16384", async () => {
    const fromCtx = softOverlongPunishmentReward({ soft_punish_cache: 20 });
    assert.equal(await one(fromCtx, "", ctx([90], { maxCompletionLength: 100 })), -0.5);
    const deflt = softOverlongPunishmentReward();
    assert.equal(await one(deflt, "", ctx([16384 - 4096])), 0, "16384 − 4096 boundary");
    assert.equal(await one(deflt, "", ctx([16384 - 2048])), -0.5, "(12288 − 14336)/4096");
  });
  it("scores 0 for a missing token count and rejects C ≤ 0", async () => {
    assert.equal(await one(softOverlongPunishmentReward(p), "", ctx([])), 0);
    assert.throws(() => softOverlongPunishmentReward({ soft_punish_cache: 0 }), /soft_punish_cache/);
  });
});

describe("metric names (rewardName, never Function.name)", () => {
  it("each rule reward carries open-r1's function name", () => {
    assert.equal(formatReward().rewardName, "format_reward");
    assert.equal(formatRewardR1().rewardName, "format_reward_r1");
    assert.equal(tagCountReward().rewardName, "tag_count_reward");
    assert.equal(tagCountRewardR1().rewardName, "tag_count_reward_r1");
    assert.equal(reasoningStepsReward().rewardName, "reasoning_steps_reward");
    assert.equal(repetitionPenaltyReward().rewardName, "repetition_penalty_reward");
    assert.equal(softOverlongPunishmentReward().rewardName, "soft_overlong_punishment_reward");
  });
});

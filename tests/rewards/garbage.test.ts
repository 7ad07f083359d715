import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { REWARD_REGISTRY, resolveRewards, scoreRewards } from "../../src/rewards";
import type { RewardBatch } from "../../src/rewards/types";
import { shutdownVerifier } from "../../src/verify";

after(() => shutdownVerifier());

const MB = 1 << 20;
const GARBAGE: Array<[what: string, text: string]> = [
  ["1 MB of letters", "a".repeat(MB)],
  ["1 MB ending in a correct answer", `${"a ".repeat(MB / 2)}\n</think>\n\\boxed{7}`],
  ["1 MB of unclosed \\boxed{", "\\boxed{".repeat(MB / 7)],
  ["1 MB of braces", "}{".repeat(MB / 2)],
  ["unbalanced braces", "\\frac{1}{2 \\boxed{\\frac{3}{ }}} {{{ \\sqrt{"],
  ["\\boxed{ at EOF", "so the answer is \\boxed{"],
  ["nested unclosed boxes", "\\boxed{\\boxed{\\boxed{\\boxed{"],
  ["NUL bytes", "\u0000\\boxed{\u00007\u0000}\u0000\n</think>\n\u0000"],
  ["invalid UTF-16 (lone surrogates)", "\ud800\\boxed{\udfff7}\ud800\n</think>\n\udc00"],
  ["dollar soup", "$$$ $\\boxed{$ $} $$ \\[ \\( \\] answer: $"],
  ["huge number", `\\boxed{${"9".repeat(5000)}}`],
  ["empty", ""],
];
const KEYS = Object.keys(REWARD_REGISTRY);

describe("garbage never throws out of a reward (every built-in, both modes)", () => {
  for (const mode of ["faithful", "fixed"] as const) {
    it(`${mode}: all ${GARBAGE.length} garbage completions get a score`, async () => {
      const rewards = resolveRewards(KEYS);
      const completions = GARBAGE.map(([, t]) => t);
      const batch: RewardBatch = completions.map(() => ({
        problem: "p",
        solution: "so $\\boxed{7}$",
        answer: "7",
        prompt: "q",
      }));
      const out = await scoreRewards(rewards, completions, batch, {
        mode,
        completionTokenCounts: completions.map((c) => Math.ceil(c.length / 4)),
      });
      for (const f of out.perFunction) {
        f.values.forEach((v, i) => {
          const label = `${f.name} on ${GARBAGE[i][0]}`;
          if (mode === "faithful") assert.ok(typeof v === "number" && Number.isFinite(v), `${label}: ${v}`);
          else assert.ok(v === null || Number.isFinite(v), `${label}: ${v}`);
        });
      }
      const acc = out.perFunction.find((f) => f.name === "accuracy_reward")?.values ?? [];
      assert.equal(acc[1], 1, "the 1 MB completion with \\boxed{7} at the end is still verified");
      assert.equal(acc[0], 0, "1 MB of letters has no answer");
    });
  }

  it("garbage gold rows and malformed rows score too", async () => {
    const rewards = resolveRewards(KEYS);
    const weird = [
      { problem: "p", solution: "\\boxed{", answer: "\u0000", prompt: "q" },
      { problem: "p", solution: "\ud800$\\boxed{7}$", answer: "$", prompt: "q" },
      { problem: "p", answer: 7 as unknown as string, prompt: "q" },
      { prompt: "q" } as unknown as RewardBatch[number],
    ];
    const completions = ["\\boxed{7}", "\\boxed{7}", "\\boxed{7}", null as unknown as string];
    for (const mode of ["faithful", "fixed"] as const) {
      const out = await scoreRewards(rewards, completions, weird, {
        mode,
        completionTokenCounts: [1, 1, 1, 1],
      });
      for (const f of out.perFunction) {
        for (const v of f.values) assert.ok(v === null || Number.isFinite(v), `${mode} ${f.name}: ${v}`);
      }
    }
  });
});

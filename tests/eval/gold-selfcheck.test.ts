import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, describe, it } from "node:test";
import { loadBenchmark } from "../../src/eval/benchmark-source";
import { BENCHMARKS, DEFAULT_BENCHMARK_DIR } from "../../src/eval/benchmarks";
import { prepareGold, scoreCompletion } from "../../src/eval/scoring";
import { shutdownVerifier } from "../../src/verify/index";

const haveData = existsSync(DEFAULT_BENCHMARK_DIR);

/** The completion the gold self-check feeds back: the prompt's required last line with the gold boxed. */
function goldCompletion(answer: string): string {
  const bare = answer
    .trim()
    .replace(/^\$+|\$+$/g, "")
    .trim();
  return `Let me think step by step. Therefore, the final answer is: $\\boxed{${bare}}$. I hope it is correct`;
}

/**
 * The metric must accept the gold itself: the final answer, fed back as a completion in the prompt's required
 * format, is scored against the gold extracted the paper's way (solution for MATH-500/Minerva, answer otherwise).
 */
describe("gold self-check on the five real benchmarks", {
  skip: !haveData && "../shared/data is absent",
}, () => {
  after(() => shutdownVerifier());
  for (const name of Object.keys(BENCHMARKS)) {
    it(`${name}: the boxed gold answer scores ≥ 99%`, { timeout: 120_000 }, async () => {
      const b = await loadBenchmark(name, { source: "local" });
      const misses: string[] = [];
      for (const p of b.problems) {
        const ok = await scoreCompletion(goldCompletion(p.answer), prepareGold(p.gold, p.goldKind));
        if (!ok) misses.push(`${p.id}: answer ${JSON.stringify(p.answer)}`);
      }
      const rate = 1 - misses.length / b.problems.length;
      console.log(`${name}: ${(rate * 100).toFixed(1)}% (${misses.length} misses of ${b.problems.length})`);
      for (const m of misses) console.log(`  miss ${m}`);
      assert.ok(rate >= 0.99, `${name}: ${misses.length} misses\n${misses.join("\n")}`);
    });
  }
});

describe("extractive match on hand-made completions", () => {
  after(() => shutdownVerifier());
  it("scores the boxed/final-answer line and rejects a wrong one", async () => {
    const g = prepareGold("The sum is $\\boxed{\\frac{1}{2}}$.", "latex");
    assert.equal(g.raw, false);
    assert.equal(
      await scoreCompletion("... Therefore, the final answer is: $\\boxed{0.5}$. I hope it is correct", g),
      true,
    );
    assert.equal(
      await scoreCompletion("... Therefore, the final answer is: $\\boxed{0.6}$. I hope it is correct", g),
      false,
    );
    assert.equal(await scoreCompletion("no answer at all", g), false);
  });
  it("AIME-style expr gold keeps leading zeros numeric (025 = 25)", async () => {
    const g = prepareGold("025", "expr");
    assert.equal(
      await scoreCompletion("Therefore, the final answer is: $\\boxed{25}$. I hope it is correct", g),
      true,
    );
  });
});

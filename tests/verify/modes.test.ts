import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { judgeCompletions } from "../../src/rewards/judge";
import type { RewardContext } from "../../src/rewards/types";
import { parse, shutdownVerifier } from "../../src/verify/index";
import { EVAL, FAITHFUL, FAITHFUL_LENGTH, FIXED } from "../../src/verify/modes";
import type { ParseOptions } from "../../src/verify/types";

/**
 * The three modes parse exactly as the code they follow (src/verify/modes.ts): open-rs and open-r1 switch
 * malformed operators off for predictions, so `\dfrac12` and `\sqrt2` do not parse there (only the string
 * fallback is left); lighteval's default normalisation repairs them.
 */
const values = (text: string, opts: ParseOptions) =>
  parse(text, opts)
    .filter((p) => !p.fallback)
    .map((p) => p.latex);

describe("mode parse configurations", () => {
  after(() => shutdownVerifier());

  it("faithful and fixed predictions: \\dfrac12 and \\sqrt2 are rejected, braced forms accepted", () => {
    for (const cfg of [FAITHFUL, FAITHFUL_LENGTH, FIXED]) {
      assert.deepEqual(values("so $\\boxed{\\dfrac12}$", cfg.pred), []);
      assert.deepEqual(values("so $\\boxed{\\sqrt2}$", cfg.pred), []);
    }
    for (const cfg of [FAITHFUL, FIXED]) {
      assert.deepEqual(values("so $\\boxed{\\dfrac{1}{2}}$", cfg.pred), ["\\frac{1}{2}"]);
      assert.deepEqual(values("so $\\boxed{\\sqrt{2}}$", cfg.pred), ["\\sqrt{2}"]);
    }
  });

  it("evaluation predictions (lighteval's default normalisation) repair them", () => {
    assert.deepEqual(values("so $\\boxed{\\dfrac12}$", EVAL.pred), ["\\frac{1}{2}"]);
    assert.deepEqual(values("so $\\boxed{\\sqrt2}$", EVAL.pred), ["\\sqrt{2}"]);
  });

  it("faithful gold is LaTeX only; fixed gold also reads a bare number (default targets)", () => {
    assert.deepEqual(values("The answer is 42.", FAITHFUL.gold), []);
    assert.deepEqual(values("The answer is 42.", FIXED.gold), ["42"]);
  });

  it("cosine/len predictions (boxed=True) leave an environment's boxes in place", () => {
    assert.deepEqual(values("so $x = \\boxed{5}$", FAITHFUL.pred), ["5"]);
    assert.deepEqual(values("so $x = \\boxed{5}$", FAITHFUL_LENGTH.pred), ["x = \\boxed{5}"]);
  });

  it("lighteval's gold LaTeX config tries `final answer … is $…$` (50) before boxes (55)", () => {
    const text = "The final answer is $7$, though \\boxed{8} appeared later.";
    assert.deepEqual(values(text, EVAL.latexGold), ["7"]);
    assert.deepEqual(values(text, { extraction: [{ kind: "latex" }] }), ["8"]);
  });

  it("fixed accuracy judges \\dfrac12 wrong where upstream rejects it, \\dfrac{1}{2} correct", async () => {
    const ctx = { mode: "fixed" } as RewardContext;
    const batch = [{ problem: "p", prompt: "q", answer: "\\frac{1}{2}" }];
    const judge = (c: string) => judgeCompletions([c], batch, ctx, "accuracy");
    assert.deepEqual(await judge("</think> so $\\boxed{\\dfrac12}$"), ["wrong"]);
    assert.deepEqual(await judge("</think> so $\\boxed{\\dfrac{1}{2}}$"), ["correct"]);
  });
});

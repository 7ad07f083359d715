import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extractBoxed } from "../../src/verify/boxed";
import { normalizeLatex, parse } from "../../src/verify/index";

/** The non-fallback candidates' normalised text. */
function values(text: string, opts?: Parameters<typeof parse>[1]): string[] {
  return parse(text, opts)
    .filter((p) => !p.fallback)
    .map((p) => p.latex);
}

const OPEN_R1_PRED = {
  extraction: [{ kind: "latex" as const, boxedMatchPriority: 0, tryExtractWithoutAnchor: false }],
  extractionMode: "first_match" as const,
};

describe("extraction priorities (Math-Verify 0.5.2)", () => {
  it("'final answer is $…$. I hope' (priority 0) beats an earlier boxed answer (priority 50)", () => {
    const text = "So $\\boxed{3}$ maybe. Therefore, the final answer is: $\\boxed{7}$. I hope it is correct";
    assert.deepEqual(values(text), ["7"]);
  });
  it("boxed with nested braces", () => {
    assert.deepEqual(values("thus \\boxed{\\frac{1}{\\sqrt{2}}} done"), ["\\frac{1}{\\sqrt{2}}"]);
  });
  it("\\fbox is unwrapped like \\boxed", () => {
    assert.deepEqual(values("\\fbox{7}"), ["7"]);
  });
  it("several boxes joined by 'and' become one list", () => {
    assert.deepEqual(values("\\boxed{1} and \\boxed{2}"), ["1,2"]);
  });
  it("right-to-left within a priority: the last boxed answer wins", () => {
    assert.deepEqual(values("first $\\boxed{1}$ text text text text text text text $\\boxed{2}$"), ["2"]);
  });
  it("'answer:' anchor (priority 100) beats a plain LaTeX env (300) further right", () => {
    assert.deepEqual(values("Answer: $12$. Check: $x=3$ works"), ["12"]);
  });
  it("plain LaTeX environments: $…$, \\(…\\), \\[…\\], $$…$$", () => {
    assert.deepEqual(values("we get $\\frac{3}{4}$"), ["\\frac{3}{4}"]);
    assert.deepEqual(values("we get \\(\\frac{3}{4}\\)"), ["\\frac{3}{4}"]);
    assert.deepEqual(values("we get \\[\\frac{3}{4}\\]"), ["\\frac{3}{4}"]);
    assert.deepEqual(values("we get $$\\frac{3}{4}$$"), ["\\frac{3}{4}"]);
  });
  it("environments joined by 'and'/'or' after an anchor become a set", () => {
    assert.deepEqual(values("The final answer is $3$ or $4$"), ["\\{3,4\\}"]);
  });
  it("bare numbers, thousands separators, percent and currency (expr target)", () => {
    assert.deepEqual(values("The answer is 42."), ["42"]);
    assert.deepEqual(values("answer: 1,234.5 dollars"), ["1234.5"]);
    assert.deepEqual(values("it rose by 50%"), ["50\\%"]);
    assert.deepEqual(values("costs $30 total"), ["30"]);
    assert.deepEqual(values("answer is 1/2"), ["1/2"]);
  });
  it("falls back to the first raw match as a string-only candidate", () => {
    const out = parse("$\\frac{$");
    assert.ok(out.every((p) => p.fallback === true));
    assert.equal(parse("\\boxed{5}", { fallbackMode: "no_fallback" }).length, 1);
  });
  it("open-r1 prediction config: anchorless LaTeX is ignored, boxed is found", () => {
    assert.deepEqual(values("we get $5$", OPEN_R1_PRED), []);
    assert.deepEqual(values("so $\\boxed{5}$", OPEN_R1_PRED), ["5"]);
  });
  it("first_match stops at the first matching priority even if it fails to parse; any_match goes on", () => {
    const text = "$7$ then \\boxed{\\frac{}";
    assert.deepEqual(values(text, { extractionMode: "first_match" }), []);
    assert.deepEqual(values(text, { extractionMode: "any_match" }), ["7"]);
  });
  it("returns [] when nothing matches", () => {
    assert.deepEqual(parse("no math here"), []);
  });
});

describe("normalisation", () => {
  const cases: Array<[string, string]> = [
    ["\\left( 3, \\frac{\\pi}{2} \\right)", "( 3, \\frac{\\pi}{2} )"],
    ["\\dfrac{3}{4}", "\\frac{3}{4}"],
    ["\\tfrac12", "\\frac{1}{2}"],
    ["\\mathrm{even}", "\\text{even}"],
    ["\\textbf{(B)}", "\\text{(B)}"],
    ["5\\text{ cm}", "5"],
    ["12 \\text{ inches}^2", "12"],
    // 1.0.6's unit-word regex never matches (see src/verify/README.md): only a trailing \text{} goes.
    ["30 degrees", "30 degrees"],
    ["\\sqrt2", "\\sqrt{2}"],
    [".5", "\\frac{1}{2}"],
    ["3/4", "\\frac{3}{4}"],
    ["\\boxed{\\boxed{1}}", "1"],
    // latex2sympy2_extended 1.0.6 turns "and"/"or" into `;` (a group separator).
    ["1 and 2", "1 ; 2"],
    ["\\displaystyle x", "x"],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected}`, () => assert.equal(normalizeLatex(input), expected));
  }
  it("extractBoxed: nested braces, multiple boxes, unterminated box, no box", () => {
    assert.equal(extractBoxed("a \\boxed{x^{2}} b", "last"), "x^{2}");
    assert.equal(extractBoxed("\\boxed{1}, \\boxed{2}", "all"), "1,2");
    assert.equal(extractBoxed("x \\boxed{12", "last"), "{12");
    assert.equal(extractBoxed("plain", "last"), "plain");
  });
  it("version 'later' strips unit words and reads percent words and 'and' as later normalisation does", () => {
    assert.equal(normalizeLatex("30 degrees", {}, "later"), "30");
    assert.equal(normalizeLatex("28 percent", {}, "later"), "28\\%");
    assert.equal(normalizeLatex("28 percent"), "28\\\\%");
    assert.equal(normalizeLatex("1, 2 and 3", {}, "later"), "1, 2, 3");
  });
  it("extractBoxed 'last' groups boxes as 0.5.2 (separator only) or later (close, or separator nearby)", () => {
    const text = "\\boxed{1} and and and or thus but \\boxed{2} and \\boxed{3}";
    assert.equal(extractBoxed(text, "last"), "2,3");
    assert.equal(extractBoxed(text, "last", "later"), "1,2,3");
    assert.equal(extractBoxed("$$\\boxed{20}$$ \\boxed{143}", "last"), "143");
    assert.equal(extractBoxed("$$\\boxed{20}$$ \\boxed{143}", "last", "later"), "20,143");
    assert.equal(extractBoxed("\\boxed{2}, \\boxed{2}", "last"), "2,2");
    assert.equal(extractBoxed("\\boxed{2}, \\boxed{2}", "last", "later"), "2");
  });
});

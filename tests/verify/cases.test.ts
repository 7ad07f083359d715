import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { parse, shutdownVerifier, verify } from "../../src/verify/index";

/**
 * Equivalence case table: (gold, prediction, expected[, expected with version "later"]). Both sides are written
 * as the content of a `\boxed{}` and go through the full parse → normalise → verify path (default options:
 * precision 6, version "0.5.2"). Expected verdicts follow Math-Verify 0.5.2 semantics; a fourth element gives
 * the verdict of the later behaviour (`version: "later"`) where it differs.
 */
type Row = [gold: string, pred: string, expected: boolean, later?: boolean];

const CASES: Record<string, Row[]> = {
  "integers and big integers": [
    ["42", "42", true],
    ["42", "43", false],
    ["-7", "-7", true],
    ["-7", "7", false],
    ["0", "-0", true],
    ["3", "3.0", true],
    ["025", "25", true],
    ["123456789012345678901234567890", "123456789012345678901234567890", true],
    ["123456789012345678901234567890", "123456789012345678901234567891", false],
    ["987654321098765432109876543210", "987654321098765432109876543211", false],
    ["2^{100}", "1267650600228229401496703205376", true],
    ["2^{100}", "1267650600228229401496703205377", false],
    ["10!", "3628800", true],
    ["\\binom52", "10", true],
  ],
  "rationals vs decimals": [
    ["\\frac{1}{2}", "0.5", true],
    ["-\\frac12", "-0.5", true],
    ["\\frac13", "0.333", false],
    ["\\frac13", "0.333333", true],
    ["\\frac13", "0.3333", false],
    ["\\frac{2}{3}", "0.666667", true],
    ["\\frac{2}{3}", "0.67", false],
    ["\\dfrac{3}{4}", "3/4", true],
    ["\\tfrac{3}{4}", "\\frac{3}{4}", true],
    ["\\frac{3}{4}", "\\frac{6}{8}", true],
    ["\\frac{3}{4}", "\\frac{4}{3}", false],
    ["1.25", "\\frac54", true],
    ["1.25", "1.250", true],
    ["0.15", ".15", true],
    [".0000672", "6.72 \\times 10^{-5}", true],
    ["\\frac{14}{3}", "4\\frac{2}{3}", true],
    ["\\frac{243}{625}", "0.3888", true],
    ["\\frac{243}{625}", "0.389", false],
  ],
  "radicals, pi, e": [
    ["\\sqrt8", "2\\sqrt2", true],
    ["\\sqrt{2}/2", "\\frac{\\sqrt2}{2}", true],
    ["\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}", true],
    ["3\\sqrt{13}", "\\sqrt{117}", true],
    ["3\\sqrt{13}", "\\sqrt{118}", false],
    ["11\\sqrt2", "11 \\sqrt{2}", true],
    ["\\sqrt{51}", "7.14143", false],
    // 0.5.2 rounds a decimal only against a number: an irrational gold never equals a decimal.
    ["\\sqrt{51}", "7.141428", false, true],
    ["\\pi", "3.14159", false],
    ["\\pi", "3.141593", false, true],
    ["\\pi", "\\pi", true],
    ["2\\pi", "\\pi", false],
    ["-\\frac{\\pi}{6}", "-\\frac{\\pi}{6}", true],
    ["\\frac{\\pi}{2}", "\\frac{2\\pi}{4}", true],
    ["e^{i\\pi}", "-1", true],
    ["\\log_2 8", "3", true],
    ["\\sqrt[3]{8}", "2", true],
    ["e^2", "e \\cdot e", true],
  ],
  "complex numbers": [
    ["6 - 5i", "6-5i", true],
    ["6 - 5i", "-5i+6", true],
    ["6 - 5i", "6+5i", false],
    ["-2 + 7i", "7i-2", true],
    ["1+274i", "1+274i", true],
  ],
  "symbolic identities": [
    ["x^2+2x+1", "(x+1)^2", true],
    ["x^2+2x+1", "(x+1)^3", false],
    ["\\sin^2x+\\cos^2x", "1", true],
    ["2k+2", "2(k+1)", true],
    ["(a+5)(b+2)", "ab+2a+5b+10", true],
    ["(a+5)(b+2)", "ab+2a+5b+11", false],
    ["x^5 - x^4 + x^3 - x^2 + x - 1", "(x-1)(x^4+x^2+1)", true],
    ["\\cot x", "\\frac{\\cos x}{\\sin x}", true],
    ["p - q", "-q+p", true],
    ["p - q", "q - p", false],
    ["x+1", "y+1", false],
    ["\\frac{x}{2}", "0.5x", true],
    ["x^3+3x-6", "x^3+3x-6", true],
    ["x^3+3x-6", "x^3+3x+6", false],
  ],
  "sets, intervals and tuples": [
    ["\\{1,2\\}", "\\{2,1\\}", true],
    ["\\{1,2,3\\}", "\\{3,2,1\\}", true],
    ["\\{1,2\\}", "\\{1,3\\}", false],
    ["\\{1,2\\}", "\\{1,2,3\\}", false],
    ["[1,2]", "(1,2)", false],
    ["[1,2]", "[1, 2]", true],
    ["(1,2)", "(1, 2)", true],
    ["(1,2)", "(2,1)", false],
    ["[1, 2)", "[1,2)", true],
    ["[1, 2)", "(1,2]", false],
    ["(3,4]", "(3,4]", true],
    ["(3,4]", "[3,4]", false],
    ["(0,\\infty)", "(0, \\infty)", true],
    ["(2,\\infty)", "(2,\\infty)", true],
    ["(2,\\infty)", "[2,\\infty)", false],
    ["(-\\infty,0)\\cup(1,\\infty)", "(1,\\infty)\\cup(-\\infty,0)", true],
    ["(-\\infty,0)\\cup(1,\\infty)", "(-\\infty,0]\\cup(1,\\infty)", false],
    ["(6,31,-1)", "(6, 31, -1)", true],
    ["(6,31,-1)", "(6, -1, 31)", false],
    ["\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})", true],
    ["\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{3})", false],
    ["(-2,1)", "(-2, 1)", true],
    ["(15,-29)", "(15,-29)", true],
    ["1,-2", "-2,1", true],
    ["1,-2", "1,2", false],
    ["3, 5, 7", "7,5,3", true],
    ["3, 5, 7", "3,5", false],
    ["\\{(1,2),(3,4)\\}", "\\{(3,4),(1,2)\\}", true],
    ["\\{(1,2),(3,4)\\}", "\\{(2,1),(3,4)\\}", false],
    ["\\{\\frac12, 2\\}", "\\{2, 0.5\\}", true],
  ],
  "matrices and vectors": [
    [
      "\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}",
      "\\begin{pmatrix} -\\frac13 \\\\ \\frac23 \\\\ \\frac53 \\end{pmatrix}",
      true,
    ],
    ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}", false],
    [
      "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
      "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
      true,
    ],
    [
      "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
      "\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}",
      false,
    ],
  ],
  "equations and relations": [
    ["x=5", "5", true],
    ["x=5", "x=5", true],
    ["x=5", "y=5", false],
    ["x=5", "6", false],
    ["5", "x=5", true],
    ["5", "x = 2+3", true],
    ["k=5", "5", true],
    ["y = 2x+1", "2x - y + 1 = 0", true],
    ["y = 2x+1", "y = 2x-1", false],
    ["5x - 7y + 11z + 4 = 0", "10x - 14y + 22z + 8 = 0", false, true],
    ["5x - 7y + 11z + 4 = 0", "5x - 7y + 11z - 4 = 0", false],
    ["x < 3", "3 > x", true],
    ["x \\le 3", "x < 3", false],
    ["x \\ge 2", "2 \\le x", true],
  ],
  "text and multiple choice": [
    ["\\text{(A)}", "A", true],
    ["\\text{(A)}", "(A)", true],
    ["\\textbf{(B)}", "(B)", true],
    ["\\text{(C)}", "\\text{C}", true],
    ["\\text{(C)}", "D", false],
    ["\\text{Evelyn}", "Evelyn", true],
    ["\\text{Evelyn}", "\\text{evelyn}", true],
    ["\\text{Evelyn}", "Ernest", false],
    ["\\text{east}", "\\text{East}", true],
    ["\\text{even}", "\\text{odd}", false],
    ["\\mathrm{even}", "\\text{even}", true],
  ],
  "units, degrees, percent, separators": [
    ["90^\\circ", "90", true],
    ["90^\\circ", "90^{\\circ}", true],
    ["145^\\circ", "145", true],
    ["145^\\circ", "135^\\circ", false],
    ["30", "30\\text{ degrees}", true],
    ["\\frac{270}7\\text{ degrees}", "\\frac{270}{7}", true],
    ["5\\text{ cm}", "5", true],
    ["12 \\text{ inches}^2", "12", true],
    ["10\\%", "0.1", true],
    ["10\\%", "10\\%", true],
    ["10\\%", "10", false],
    ["25\\%", "\\frac14", true],
    ["1,000", "1000", true],
    ["10,\\!080", "10080", true],
    ["10{,}080", "10080", true],
    ["1,234,567", "1234567", true],
    ["1,000", "1001", false],
    ["\\$32", "32", true],
  ],
  "plus-minus and infinity": [
    ["1 \\pm \\sqrt{19}", "1+\\sqrt{19}, 1-\\sqrt{19}", true],
    ["1 \\pm \\sqrt{19}", "1-\\sqrt{19}, 1+\\sqrt{19}", true],
    ["1 \\pm \\sqrt{19}", "1+\\sqrt{19}", false],
    // A unary ± does not parse in 0.5.2: the gold falls back to the plain number 2 (Math-Verify 0.5.2 agrees).
    ["\\pm 2", "2, -2", false, true],
    ["\\pm 2", "2", true, false],
    ["\\infty", "\\infty", true],
    ["\\infty", "-\\infty", false],
    ["-\\infty", "-\\infty", true],
  ],
  "scientific notation": [
    ["3.8e35", "3.8 \\times 10^{35}", true],
    ["3.8e35", "3.8\\times10^{35}", true],
    ["3.83e35", "3.8 \\times 10^{35}", false],
    ["4.5e33", "4.5 \\times 10^{33}", true],
    ["1.77e-6", "1.77 \\times 10^{-6}", true],
    ["1.77e-6", "1.78 \\times 10^{-6}", false],
    ["3 \\times 10^{5}", "300000", true],
    ["2.3 \\times 10^{-5}", "0.000023", true],
  ],
  // The classes Math-Verify 0.5.2's own suite exercises (see tests/verify/math-verify-cases.test.ts).
  "Math-Verify 0.5.2: assignments, %, approx, relations as sets, ordered tuples, matrices, escapes": [
    ["(p,q)=(3,2)", "(3,2)", true],
    ["(p,q)=(3,2)", "(2,3)", false],
    ["AB=4,CD=5", "4, 5", true],
    ["a=4,-8,-10", "-10,-8,4", true],
    ["a=4,-8,-10", "-10,-8", false],
    ["x=1, x=2", "2, 1", true],
    ["|AB|=1", "1", true],
    ["f(x)=x+1", "x+1", true],
    ["\\frac{NO}{BO}=\\frac{1}{\\sqrt{6}}", "\\frac{\\sqrt{6}}{6}", true],
    ["V_{1}:V_{2}=11:21", "\\frac{11}{21}", true],
    ["40\\%", "40%", true],
    ["40", "40%", false],
    ["11", "x \\approx 11", true],
    ["11", "x \\approx 12", false],
    ["\\frac{1}{3}", "x = \\frac{1}{3} \\approx 0.33", true],
    ["-793 < a < 10", "(-793, 10)", true],
    ["-793 < a < 10", "[-793, 10]", false],
    ["1 \\le |z| \\le \\frac{3}{2}", "[-\\frac{3}{2},-1]\\cup[1,\\frac{3}{2}]", true],
    ["1 \\le |z| \\le \\frac{3}{2}", "[1,\\frac{3}{2}]", false],
    ["x \\ne 2", "(-\\infty, 2) \\cup (2, \\infty)", true],
    // A tuple gold keeps its order against a set prediction; a set gold does not care.
    ["(3,1)", "\\{1,3\\}", false],
    ["(3,1)", "1, 3", false],
    ["(3,1)", "3, 1", true],
    ["\\{1,3\\}", "(3,1)", true],
    [
      "\\begin{pmatrix}6 & 8 \\\\ 10 & 12\\end{pmatrix}",
      "\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix} + \\begin{pmatrix}5 & 6 \\\\ 7 & 8\\end{pmatrix}",
      true,
    ],
    [
      "\\begin{pmatrix}19 & 22 \\\\ 43 & 50\\end{pmatrix}",
      "\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}\\begin{pmatrix}5 & 6 \\\\ 7 & 8\\end{pmatrix}",
      true,
    ],
    ["\\begin{pmatrix}2 & 4\\end{pmatrix}", "2\\begin{pmatrix}1 & 2\\end{pmatrix}", true],
    [
      "\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}",
      "\\left[\\begin{array}{cc}1 & 2 \\\\ 3 & 4\\end{array}\\right]",
      true,
    ],
    ["(3, \\frac{\\pi}{2})", "\\\\left( 3, \\\\frac{\\\\pi}{2} \\\\right)", true],
  ],
  "number bases and misc": [
    ["52_8", "52_8", true],
    ["52_8", "52_{8}", true],
    ["2516_8", "2516_8", true],
    ["2516_8", "2515_8", false],
  ],
};

function boxed(s: string, version: "0.5.2" | "later" = "0.5.2") {
  return parse(`The result is $\\boxed{${s}}$.`, { version });
}

describe("verify: case table (gold, prediction, expected)", () => {
  after(() => shutdownVerifier());
  const total = Object.values(CASES).reduce((n, rows) => n + rows.length, 0);
  it(`has at least 150 rows in ${Object.keys(CASES).length} categories (${total})`, () => {
    assert.ok(total >= 150, `only ${total} rows`);
  });
  for (const [category, rows] of Object.entries(CASES)) {
    it(category, async () => {
      const wrong: string[] = [];
      for (const [gold, pred, expected] of rows) {
        const got = await verify(boxed(gold), boxed(pred));
        if (got !== expected) wrong.push(`${gold} vs ${pred}: expected ${expected}, got ${got}`);
      }
      for (const [gold, pred, , later] of rows) {
        if (later === undefined) continue;
        const got = await verify(boxed(gold, "later"), boxed(pred, "later"), { version: "later" });
        if (got !== later) wrong.push(`${gold} vs ${pred} (later): expected ${later}, got ${got}`);
      }
      assert.deepEqual(wrong, []);
    });
  }
});

describe("verify: options", () => {
  after(() => shutdownVerifier());
  it("precision: 0.33333 equals 1/3 at 5 places, not at 6 (later: 7.14143 and sqrt(51) likewise)", async () => {
    assert.equal(await verify(boxed("\\frac{1}{3}"), boxed("0.33333"), { precision: 5 }), true);
    assert.equal(await verify(boxed("\\frac{1}{3}"), boxed("0.33333"), { precision: 6 }), false);
    const later = { version: "later" as const };
    assert.equal(await verify(boxed("\\sqrt{51}"), boxed("7.14143"), { precision: 5, ...later }), true);
    assert.equal(await verify(boxed("\\sqrt{51}"), boxed("7.14143"), { precision: 6, ...later }), false);
  });
  it("percent policy: 'either' also accepts the bare number", async () => {
    assert.equal(await verify(boxed("10\\%"), boxed("10"), { percent: "either" }), true);
    assert.equal(await verify(boxed("10\\%"), boxed("11"), { percent: "either" }), false);
  });
  it("strict: false matches expressions up to renaming their variables", async () => {
    assert.equal(await verify(boxed("x^2+1"), boxed("y^2+1"), { strict: false }), true);
    assert.equal(await verify(boxed("x^2+1"), boxed("y^2+1")), false);
  });
  it("fallback strings compare only with fallback strings, exactly", async () => {
    const f = (s: string) => [{ latex: s, raw: s, fallback: true }];
    assert.equal(await verify(f("abc"), f(" abc ")), true);
    assert.equal(await verify(f("abc"), [{ latex: "abc", raw: "abc" }]), false);
  });
});

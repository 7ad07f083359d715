import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { parse, shutdownVerifier, verify } from "../../src/verify/index";

/**
 * Equivalence case table: (gold, prediction, expected). Both sides are written as the content of a
 * `\boxed{}` and go through the full parse → normalise → verify path (default options: precision 6).
 * Expected verdicts follow Math-Verify 0.5.2 semantics unless a row says otherwise.
 */
type Row = [gold: string, pred: string, expected: boolean];

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
    ["\\sqrt{51}", "7.141428", true],
    ["\\pi", "3.14159", false],
    ["\\pi", "3.141593", true],
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
    ["5x - 7y + 11z + 4 = 0", "10x - 14y + 22z + 8 = 0", true],
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
    ["\\pm 2", "2, -2", true],
    ["\\pm 2", "2", false],
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
  "number bases and misc": [
    ["52_8", "52_8", true],
    ["52_8", "52_{8}", true],
    ["2516_8", "2516_8", true],
    ["2516_8", "2515_8", false],
  ],
};

function boxed(s: string) {
  return parse(`The result is $\\boxed{${s}}$.`);
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
      assert.deepEqual(wrong, []);
    });
  }
});

describe("verify: options", () => {
  after(() => shutdownVerifier());
  it("precision: 7.14143 equals sqrt(51) at 5 places, not at 6", async () => {
    assert.equal(await verify(boxed("\\sqrt{51}"), boxed("7.14143"), { precision: 5 }), true);
    assert.equal(await verify(boxed("\\sqrt{51}"), boxed("7.14143"), { precision: 6 }), false);
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

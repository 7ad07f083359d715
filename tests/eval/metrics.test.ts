import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mean, passAtK, reportedKs, scoreBenchmark, standardError } from "../../src/eval/metrics";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);

describe("passAtK (unbiased, 1 − Π_{i=n−c+1}^{n}(1 − k/i))", () => {
  it("matches the combinatorial form 1 − C(n−c,k)/C(n,k) on worked examples", () => {
    // n=5, c=2, k=2: 1 − (1 − 2/4)(1 − 2/5) = 1 − 0.5·0.6 = 0.7 = 1 − C(3,2)/C(5,2) = 1 − 3/10
    close(passAtK(5, 2, 2), 0.7);
    // n=10, c=3, k=3: 1 − C(7,3)/C(10,3) = 1 − 35/120
    close(passAtK(10, 3, 3), 1 - 35 / 120);
  });
  it("k = 1 equals c/n", () => {
    close(passAtK(4, 1, 1), 0.25);
    close(passAtK(16, 7, 1), 7 / 16);
  });
  it("is 1 when fewer than k samples are wrong, 0 when none is right", () => {
    assert.equal(passAtK(4, 3, 2), 1);
    assert.equal(passAtK(4, 0, 4), 0);
  });
  it("rejects k outside 1..n and c outside 0..n", () => {
    assert.throws(() => passAtK(4, 1, 5), /k must be/);
    assert.throws(() => passAtK(4, 5, 1), /c must be/);
  });
});

describe("standardError (ddof = 1)", () => {
  it("reproduces Open-RS3's AIME24 46.7 ± 9.3 (14 of 30 right, n = 1)", () => {
    const xs = [...Array(14).fill(1), ...Array(16).fill(0)];
    // mean 14/30; Σ(x−μ)² = 14·(16/30)² + 16·(14/30)² = 7.4667; /29 = 0.25747; √ = 0.50742; /√30 = 0.092641
    close(mean(xs), 14 / 30);
    close(standardError(xs), 0.092641, 1e-6);
  });
  it("is 0 for one value and NaN for none", () => {
    assert.equal(standardError([0.3]), 0);
    assert.ok(Number.isNaN(standardError([])));
  });
});

describe("scoreBenchmark", () => {
  it("computes avg@n, stderr of per-problem means and pass@k by hand", () => {
    const s = scoreBenchmark([
      { correct: 2, n: 4 },
      { correct: 0, n: 4 },
      { correct: 4, n: 4 },
    ]);
    assert.equal(s.problems, 3);
    assert.equal(s.n, 4);
    close(s.avg, 0.5); // (0.5 + 0 + 1) / 3
    close(s.stderr, 0.5 / Math.sqrt(3)); // per-problem means .5,0,1: Σ(x−μ)² = .5, /2 = .25, √ = .5
    close(s.passAt[1], 0.5);
    // pass@2: problem 1: 1 − (1 − 2/3)(1 − 2/4) = 5/6; problem 2: 0; problem 3: 1 → 11/18
    close(s.passAt[2], 11 / 18);
    // pass@4: problem 1 has n − c = 2 < 4 → 1; so (1 + 0 + 1)/3
    close(s.passAt[4], 2 / 3);
  });
  it("reports k = 1, 2, 4, … and n", () => {
    assert.deepEqual(reportedKs(1), [1]);
    assert.deepEqual(reportedKs(6), [1, 2, 4, 6]);
    assert.deepEqual(reportedKs(16), [1, 2, 4, 8, 16]);
  });
  it("refuses empty input", () => {
    assert.throws(() => scoreBenchmark([]), /no problems/);
  });
});

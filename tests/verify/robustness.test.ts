import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { parse, shutdownVerifier, verifierStats, verify, verifyStrings } from "../../src/verify/index";

const P = (latex: string) => [{ latex, raw: latex }];

describe("hard time bound (worker kill)", () => {
  after(() => shutdownVerifier());
  it("2^{2^{30}} vs 2^{2^{30}}+1 is false within timeout + 1 s, and the next 100 checks still succeed", async () => {
    // Warm the pool so that worker start-up is not charged to the timed check.
    assert.equal(await verify(P("x+1"), P("1+x")), true);
    const timeoutMs = 1500;
    const t0 = Date.now();
    const v = await verify(P("2^{2^{30}}"), P("2^{2^{30}}+1"), { timeoutMs });
    const elapsed = Date.now() - t0;
    assert.equal(v, false);
    assert.ok(elapsed <= timeoutMs + 1000, `took ${elapsed} ms`);
    assert.ok(verifierStats().timeouts >= 1, "the check should have been killed, not answered");
    const checks: Array<Promise<boolean>> = [];
    for (let i = 0; i < 100; i++) {
      // Distinct engine-bound pairs (not cached, not fast-pathed): (x+i)^2 vs expanded form.
      checks.push(verify(P(`(x+${i})^2`), P(`x^2+${2 * i}x+${i * i}`)));
    }
    const results = await Promise.all(checks);
    assert.equal(results.filter(Boolean).length, 100);
  });
  it("shutdownVerifier ends pending checks as false and the pool restarts on the next call", async () => {
    const pending = verify(P("2^{2^{30}}"), P("2^{2^{30}}+2"), { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 50));
    await shutdownVerifier();
    assert.equal(await pending, false);
    assert.equal(await verify(P("\\sin^2 y+\\cos^2 y"), P("1")), true);
  });
});

describe("garbage never throws", () => {
  after(() => shutdownVerifier());
  const lone = "\uD800abc\uDC00";
  const inputs: Record<string, string> = {
    "1 MB of text then an answer": `${"lorem ipsum ".repeat(90_000)} so \\boxed{5}`,
    "1 MB of unclosed boxes": "\\boxed{".repeat(150_000),
    "unbalanced braces": "\\boxed{\\frac{1}{2}}}}}{{{ and $x^{2$",
    "\\boxed{ at EOF": "The answer is \\boxed{",
    "NUL bytes": "\u0000\\boxed{1\u00002}\u0000",
    "lone surrogates": `${lone} \\boxed{${lone}}`,
    "only dollars": "$".repeat(10_000),
    "empty string": "",
  };
  for (const [name, text] of Object.entries(inputs)) {
    it(name, async () => {
      const parsed = parse(text);
      assert.ok(Array.isArray(parsed));
      assert.equal(typeof (await verify(parsed, parse("\\boxed{5}"))), "boolean");
      assert.equal(typeof (await verifyStrings(text, text)), "boolean");
    });
  }
  it("non-string input and engine errors are false, not exceptions", async () => {
    assert.deepEqual(parse(undefined as unknown as string), []);
    assert.equal(await verify(P("\\frac{"), P("\\frac{")), true);
    assert.equal(await verify(P("\\frac{1}{"), P("\\sqrt{")), false);
  });
  it("1 MB completion: the answer at the end is still extracted", () => {
    assert.deepEqual(
      parse(`${"x".repeat(1_000_000)} so \\boxed{5}`).map((p) => p.latex),
      ["5", "5"],
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { completionsBrowserHtml, passAtOneTable } from "../../src/kernel-helpers/tables";

describe("tables", () => {
  it("pivots pass@1 entries and averages over benchmarks", () => {
    const t = passAtOneTable(
      [
        { benchmark: "aime24", checkpoint: "base", protocol: "avg@4", pass1: 0.25, stderr: 0.05 },
        { benchmark: "math500", checkpoint: "base", protocol: "avg@4", pass1: 0.75, stderr: 0.02 },
      ],
      { "Open-RS3": { aime24: 46.7, math500: 84.5 } },
    );
    const rows = t.objects() as Array<Record<string, string>>;
    assert.equal(rows.length, 3);
    assert.equal(rows[0]["base · avg@4"], "25.0 ± 5.0");
    // Average: (25 + 75) / 2 = 50.0; reported: (46.7 + 84.5) / 2 = 65.6
    assert.equal(rows[2].benchmark, "Average");
    assert.equal(rows[2]["base · avg@4"], "50.0");
    assert.equal(rows[2]["Open-RS3 (reported)"], "65.6");
    assert.match(t.toMarkdown(), /\|aime24\|25\.0 ± 5\.0\|46\.7\|/);
    assert.match(t.toHTML(), /<table/);
  });

  it("completions browser escapes text and lists each reward column", () => {
    const html = completionsBrowserHtml([
      {
        step: 3,
        prompt: "p",
        completion: "<script>x</script> \\boxed{7}",
        advantage: 1.5,
        rewards: { a: 1, b: null },
      },
    ]);
    assert.ok(!html.includes("<script>x</script>"));
    assert.match(html, /&lt;script&gt;x&lt;\/script&gt;/);
    assert.match(html, /<th onclick="openRsSort\(this\)">a<\/th>/);
    assert.match(html, /1\.500/);
  });
});

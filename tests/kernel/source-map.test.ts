import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ChainedLookup,
  decodeMappings,
  decodeVlq,
  SourceMapLookup,
  stripMapComment,
  takeInlineMap,
} from "../../scripts/kernel/source-map";

describe("source maps", () => {
  it("decodes base64 VLQ groups (spec examples: A=0, C=1, D=-1, gB=16)", () => {
    assert.deepEqual(decodeVlq("AAAA"), [0, 0, 0, 0]);
    assert.deepEqual(decodeVlq("CACD"), [1, 0, 1, -1]);
    // g = 32 (continuation) + 0, B = 1 → 0 + (1 << 5) = 32 → value 16
    assert.deepEqual(decodeVlq("gB"), [16]);
    assert.throws(() => decodeVlq("A!"), /invalid base64 VLQ/);
  });

  it("decodes mappings into absolute segments per line", () => {
    // line 0: col 0 → src 0 line 0 col 0; col 4 → line 0 col 2. line 1 (after ;): col 2 → line 1 col 2 (relative +1 line, +0 col)
    const lines = decodeMappings("AAAA,IAAE;EACA");
    assert.deepEqual(lines[0], [
      [0, 0, 0, 0],
      [4, 0, 0, 2],
    ]);
    assert.deepEqual(lines[1], [[2, 0, 1, 2]]);
  });

  it("looks up the last segment at or before a column, and chains two maps", () => {
    const m = new SourceMapLookup({ version: 3, sources: ["a.ts"], mappings: "AAAA,IAAE;EACA" });
    assert.deepEqual(m.original(0, 6), { source: "a.ts", line: 0, column: 2 });
    assert.deepEqual(m.original(0, 0), { source: "a.ts", line: 0, column: 0 });
    assert.equal(m.original(5, 0), null);
    // second map: generated line 1 → line 0 of the first map's output
    const outer = new SourceMapLookup({ version: 3, sources: ["x.js"], mappings: ";AAAA" });
    const chain = new ChainedLookup([outer, m]);
    assert.deepEqual(chain.original(1, 0), { source: "a.ts", line: 0, column: 0 });
    assert.equal(chain.original(0, 0), null);
  });

  it("splits an inline map off code and strips URL comments", () => {
    const map = { version: 3, sources: ["a.ts"], mappings: "AAAA" };
    const code = `x();\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}`;
    const out = takeInlineMap(code);
    assert.equal(out.code, "x();");
    assert.deepEqual(out.map, map);
    assert.equal(takeInlineMap("y();").map, null);
    assert.equal(stripMapComment("a();\n//# sourceMappingURL=custom.js.map"), "a();\n");
  });
});

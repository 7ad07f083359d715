import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from "../../src/io/safetensors";

const dir = mkdtempSync(join(tmpdir(), "open-rs-st-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The entry `name` of `m`, failing the test when absent. */
function must<V>(m: Map<string, V>, name: string): V {
  const v = m.get(name);
  assert.ok(v !== undefined, `missing "${name}"`);
  return v;
}

/** Hand-build a safetensors file from a header object and raw data bytes. */
function craft(
  name: string,
  header: unknown,
  data: Uint8Array = new Uint8Array(0),
  headerLen?: number,
): string {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerLen ?? json.length));
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([len, json, data]));
  return path;
}

describe("safetensors round trip", () => {
  it("writes F32 bit-exactly, with a padded header and the documented layout", () => {
    const specials = new Float32Array(
      new Uint32Array([0x7fc00001, 0x80000000, 0x00000001, 0x7f7fffff]).buffer,
    );
    const a = Float32Array.from({ length: 12 }, (_, i) => Math.fround(Math.sin(i) * 1e-3));
    const path = join(dir, "rt.safetensors");
    writeSafetensors(path, [
      ["w.a", { dtype: "F32", shape: [3, 4], data: a }],
      ["w.s", { dtype: "F32", shape: [4], data: specials }],
    ]);
    const bytes = readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal(n % 8, 0, "header length must be a multiple of 8");
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
    assert.deepEqual(header["w.a"], { dtype: "F32", shape: [3, 4], data_offsets: [0, 48] });
    assert.deepEqual(header["w.s"], { dtype: "F32", shape: [4], data_offsets: [48, 64] });
    assert.deepEqual(header.__metadata__, { format: "pt" });
    assert.equal(bytes.length, 8 + n + 64);
    assert.equal(bytes.readFloatLE(8 + n + 4), a[1]);

    const back = readSafetensors(path);
    assert.deepEqual([...back.keys()], ["w.a", "w.s"]);
    const bits = (x: Float32Array | Int32Array | BigInt64Array) =>
      new Uint32Array(x.buffer, x.byteOffset, x.length);
    assert.deepEqual(bits(back.get("w.a")?.data as Float32Array), bits(a));
    assert.deepEqual(bits(back.get("w.s")?.data as Float32Array), bits(specials));
    assert.deepEqual(back.get("w.a")?.shape, [3, 4]);
  });

  it("stores BF16 and F16 as 2 bytes per element and widens them back", () => {
    const path = join(dir, "half.safetensors");
    const x = Float32Array.of(1, 1 + 2 ** -8, 3.140625, -2);
    writeSafetensors(path, [
      ["b", { dtype: "BF16", shape: [4], data: x }],
      ["h", { dtype: "F16", shape: [2, 2], data: x }],
    ]);
    const head = readSafetensorsHeader(path);
    assert.deepEqual(head.tensors.get("b")?.dataOffsets, [0, 8]);
    assert.deepEqual(head.tensors.get("h")?.dataOffsets, [8, 16]);
    const back = readSafetensors(path);
    // 1 + 2^-8 is a bf16 tie between 1 and 1 + 2^-7: to even (1). F16 holds it exactly (10 mantissa bits).
    assert.deepEqual([...(must(back, "b").data as Float32Array)], [1, 1, 3.140625, -2]);
    assert.deepEqual([...(must(back, "h").data as Float32Array)], [1, 1 + 2 ** -8, 3.140625, -2]);
    assert.equal(back.get("b")?.dtype, "BF16");
  });

  it("reads I64 (beyond 2^53) and I32, and scalars", () => {
    const path = join(dir, "ints.safetensors");
    writeSafetensors(path, [
      ["i64", { dtype: "I64", shape: [2], data: BigInt64Array.of(9007199254740993n, -5n) }],
      ["i32", { dtype: "I32", shape: [], data: Int32Array.of(-7) }],
    ]);
    const back = readSafetensors(path);
    assert.deepEqual([...(must(back, "i64").data as BigInt64Array)], [9007199254740993n, -5n]);
    assert.deepEqual([...(must(back, "i32").data as Int32Array)], [-7]);
    assert.deepEqual(back.get("i32")?.shape, []);
  });
});

describe("safetensors bad files: errors name the file and tensor", () => {
  const f32x2 = new Uint8Array(8);
  const cases: Array<[string, () => string, RegExp]> = [
    [
      "header length past end of file",
      () => craft("trunc", { a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, f32x2, 4096),
      /truncated header/,
    ],
    ["header is not JSON", () => craft("badjson", {}, undefined, 1), /not valid JSON/],
    [
      "offsets out of range",
      () => craft("range", { w: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, f32x2),
      /"w".*out of range/,
    ],
    [
      "offsets not matching dtype×shape",
      () => craft("size", { w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, f32x2),
      /"w".*needs 12/,
    ],
    [
      "unknown dtype",
      () => craft("dtype", { w: { dtype: "Q4_K", shape: [2], data_offsets: [0, 8] } }, f32x2),
      /"w": unknown dtype "Q4_K"/,
    ],
    [
      "overlapping tensors",
      () =>
        craft(
          "overlap",
          {
            a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
            b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
          },
          f32x2,
        ),
      /"a" and "b" overlap/,
    ],
  ];
  for (const [name, make, pattern] of cases) {
    it(name, () => {
      const path = make();
      assert.throws(
        () => readSafetensors(path),
        (err: Error) => pattern.test(err.message) && err.message.includes(path),
      );
    });
  }

  it("file shorter than the 8-byte prefix", () => {
    const path = join(dir, "tiny");
    writeFileSync(path, Buffer.from([1, 2, 3]));
    assert.throws(() => readSafetensors(path), /tiny: truncated header: file has 3 bytes/);
  });

  it("missing tensor", () => {
    const path = craft("ok", { a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, f32x2);
    assert.throws(() => readSafetensors(path, ["b"]), /ok: missing tensor "b"/);
  });

  it("writer rejects data that does not match the shape", () => {
    assert.throws(
      () =>
        writeSafetensors(join(dir, "w"), [["w", { dtype: "F32", shape: [2, 2], data: new Float32Array(3) }]]),
      /tensor "w": data has 3 elements but shape \[2,2\] needs 4/,
    );
  });
});

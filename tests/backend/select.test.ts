import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import {
  describeBackends,
  initBackend,
  parseBackendName,
  probeTensorflowPackage,
  startTensorflow,
} from "../../src/backend/select";

const root = realpathSync(mkdtempSync(join(tmpdir(), "open-rs-backend-")));
after(() => rmSync(root, { recursive: true, force: true }));

/** A fake package `name` under `base/node_modules`, whose main file has body `main`. */
function fakePackage(base: string, name: string, main: string): string {
  const dir = join(base, "node_modules", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "4.22.0", main: "index.js" }));
  writeFileSync(join(dir, "index.js"), main);
  return dir;
}

describe("probing native tensorflow packages", () => {
  it("reports a package that is not installed", () => {
    const r = probeTensorflowPackage("@tensorflow/tfjs-node", [join(root, "nowhere")]);
    assert.deepEqual(r, { ok: false, reason: "@tensorflow/tfjs-node is not installed (see environment.md)" });
  });

  it("refuses a package that would bring its own tfjs-core", () => {
    const base = join(root, "nested");
    const pkgDir = fakePackage(base, "@tensorflow/tfjs-node", "");
    fakePackage(pkgDir, "@tensorflow/tfjs-core", "");
    const r = probeTensorflowPackage("@tensorflow/tfjs-node", [base]);
    assert.equal(r.ok, false);
    assert.match(
      (r as { reason: string }).reason,
      /would use its own @tensorflow\/tfjs-core \(.*nested.*\), not ours/,
    );
  });

  it("accepts a package sharing our tfjs-core, and reports its load error (e.g. a missing libtensorflow)", async () => {
    const base = join(root, "shared");
    const pkgDir = fakePackage(
      base,
      "@tensorflow/tfjs-node-gpu",
      'throw new Error("libtensorflow.so.2: cannot open shared object file");',
    );
    const ourCore = dirname(require.resolve("@tensorflow/tfjs-core/package.json"));
    mkdirSync(join(base, "node_modules/@tensorflow"), { recursive: true });
    symlinkSync(ourCore, join(base, "node_modules/@tensorflow/tfjs-core"));
    const r = probeTensorflowPackage("@tensorflow/tfjs-node-gpu", [base]);
    assert.deepEqual(r, { ok: true, dir: pkgDir });
    const started = await startTensorflow("@tensorflow/tfjs-node-gpu", pkgDir);
    assert.deepEqual(started, {
      ok: false,
      reason: "@tensorflow/tfjs-node-gpu failed to load: libtensorflow.so.2: cannot open shared object file",
    });
  });
});

describe("initBackend", () => {
  it("rejects unknown backend names, listing the valid ones", () => {
    assert.throws(
      () => parseBackendName("gpu", "OPEN_RS_BACKEND"),
      /OPEN_RS_BACKEND="gpu" is not a backend; use one of tensorflow, wasm, cpu/,
    );
  });

  it("throws from describeBackends before any choice", () => {
    assert.throws(() => describeBackends(), /call `await initBackend\(\)` first/);
  });

  it("picks tensorflow when it loads, else wasm with SIMD, and says why tensorflow was skipped", async () => {
    const info = await initBackend();
    const before = tf.memory().numTensors;
    const nativeAvailable = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"].some(
      (p) => probeTensorflowPackage(p).ok,
    );
    if (!nativeAvailable) {
      assert.equal(info.chosen, "wasm");
      assert.equal(info.simd, true);
      assert.ok(info.threads >= 1);
      assert.deepEqual(
        info.skipped.map((s) => s.name),
        ["tensorflow (@tensorflow/tfjs-node-gpu)", "tensorflow (@tensorflow/tfjs-node)"],
      );
      assert.match(info.skipped[0].reason, /not installed/);
    }
    assert.equal(tf.getBackend(), info.chosen);
    assert.equal(describeBackends(), info);
    assert.equal(await initBackend(), info, "a second call returns the same choice");
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.scalar(3)));
    assert.deepEqual(await sum.array(), [4, 5]);
    sum.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it("honours an explicit backend, and OPEN_RS_BACKEND, marking the others as not requested", async () => {
    const cpu = await initBackend({ backend: "cpu" });
    assert.equal(cpu.chosen, "cpu");
    assert.equal(tf.getBackend(), "cpu");
    assert.deepEqual(cpu.skipped, [
      { name: "tensorflow", reason: "not requested (backend forced to cpu)" },
      { name: "wasm", reason: "not requested (backend forced to cpu)" },
    ]);
    process.env.OPEN_RS_BACKEND = "wasm";
    try {
      const wasm = await initBackend();
      assert.equal(wasm.chosen, "wasm");
      assert.equal(tf.getBackend(), "wasm");
      process.env.OPEN_RS_BACKEND = "nope";
      await assert.rejects(initBackend(), /OPEN_RS_BACKEND="nope"/);
    } finally {
      Reflect.deleteProperty(process.env, "OPEN_RS_BACKEND");
    }
  });
});

import assert from "node:assert/strict";
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { COMMAND_NAMES, EXIT_USAGE, loadCommand } from "../../src/cli/main";

const repoRoot = resolve(__dirname, "../..");
const env = { ...process.env, OPEN_RS_BACKEND: "" };

function openRs(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ["bin/open-rs.js", ...args], {
    cwd: repoRoot,
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("open-rs CLI", () => {
  it("info prints the backend, threads, SIMD and the skipped backends with reasons", () => {
    const r = openRs("info");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^backend: (tensorflow|wasm|cpu)/m);
    assert.match(r.stdout, /^threads: \d+/m);
    if (/^backend: wasm/m.test(r.stdout)) {
      assert.match(r.stdout, /SIMD (on|off)/);
      assert.match(r.stdout, /^ {2}tensorflow \(@tensorflow\/tfjs-node-gpu\): .+/m);
    }
  });

  it("info --json --backend cpu forces cpu and reports the others as not requested", () => {
    const r = openRs("info", "--json", "--backend", "cpu");
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.equal(info.chosen, "cpu");
    assert.equal(info.simd, null);
    assert.deepEqual(
      info.skipped.map((s: { name: string }) => s.name),
      ["tensorflow", "wasm"],
    );
  });

  it("OPEN_RS_BACKEND overrides the choice, and a bad value fails naming the variable", () => {
    const ok = spawnSync(process.execPath, ["bin/open-rs.js", "info"], {
      cwd: repoRoot,
      env: { ...env, OPEN_RS_BACKEND: "cpu" },
      encoding: "utf8",
    });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^backend: cpu$/m);
    const bad = spawnSync(process.execPath, ["bin/open-rs.js", "info"], {
      cwd: repoRoot,
      env: { ...env, OPEN_RS_BACKEND: "tpu" },
      encoding: "utf8",
    });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /OPEN_RS_BACKEND="tpu" is not a backend; use one of tensorflow, wasm, cpu/);
  });

  it("an unknown command prints the usage with every command and exits non-zero", () => {
    const r = openRs("frobnicate");
    assert.equal(r.status, EXIT_USAGE);
    assert.match(r.stderr, /unknown command "frobnicate"/);
    for (const name of COMMAND_NAMES) assert.match(r.stderr, new RegExp(`^ {2}${name} +\\S`, "m"));
    assert.match(r.stderr, /info +show the compute backend/);
  });

  it("no command prints the usage and exits non-zero; --help exits 0", () => {
    assert.equal(openRs().status, EXIT_USAGE);
    const help = openRs("--help");
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: open-rs <command>/);
  });

  it("rejects a command module without summary/run, naming the file", () => {
    assert.throws(
      () => loadCommand("../main"),
      /main\.ts must export `summary: string` and `run\(argv\): Promise<number>`/,
    );
    assert.equal(typeof loadCommand("info").run, "function");
  });

  it("works as `npx open-rs info` from the repo root (npm exec runs the package's own bin)", () => {
    const npx = process.platform === "win32" ? "npx.cmd" : "npx";
    const r = spawnSync(npx, ["--no", "open-rs", "info", "--backend", "cpu"], {
      cwd: repoRoot,
      env,
      encoding: "utf8",
      timeout: 60_000,
    });
    if (r.error !== undefined) {
      assert.fail(`npx not runnable here: ${r.error.message}`);
    }
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^backend: cpu$/m);
  });
});

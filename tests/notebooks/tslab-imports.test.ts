/**
 * The library must load the way a notebook loads it. tslab compiles `./src/index` and everything it imports
 * itself, and its loader (tslab 1.0.22 executor.js `requireFromSideOutputs`) has two limits: a directory import
 * (`"../rewards"`) misses its compiled `index.js` and falls back to a second copy of the module graph (so a
 * reward registered in a cell is unknown to `train()`), and an import cycle recurses until the stack overflows.
 * This test keeps src/ free of both (type-only imports are erased and do not count).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";

const SRC = resolve(__dirname, "../../src");

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Relative value imports of a file (static imports/exports that are not type-only, and require calls). */
function valueImports(file: string): string[] {
  const src = readFileSync(file, "utf8");
  const out: string[] = [];
  const stmt = /^(?:import|export)\s+(type\s+)?([^;]*?)\s*from\s*["'](\.[^"']+)["']/gms;
  for (const m of src.matchAll(stmt)) {
    if (m[1]) continue;
    const names = /\{([^}]*)\}/.exec(m[2]);
    const onlyTypes =
      names !== null &&
      !/^\s*\*|^[A-Za-z_$][\w$]*\s*,/.test(m[2]) &&
      names[1].split(",").every((n) => n.trim() === "" || n.trim().startsWith("type "));
    if (!onlyTypes) out.push(m[3]);
  }
  for (const m of src.matchAll(/require\(["'](\.[^"']+)["']\)/g)) out.push(m[1]);
  return out;
}

describe("src/ loads in a tslab kernel", () => {
  const files = tsFiles(SRC);
  const graph = new Map<string, string[]>();
  const directoryImports: string[] = [];
  for (const f of files) {
    const deps: string[] = [];
    for (const spec of valueImports(f)) {
      const target = resolve(dirname(f), spec);
      if (existsSync(`${target}.ts`)) deps.push(`${target}.ts`);
      else if (existsSync(join(target, "index.ts"))) directoryImports.push(`${relative(SRC, f)}: "${spec}"`);
    }
    graph.set(f, deps);
  }

  it("has no directory imports (write `./dir/index`)", () => {
    assert.deepEqual(directoryImports, []);
  });

  it("has no import cycles between value imports", () => {
    const state = new Map<string, 1 | 2>();
    const stack: string[] = [];
    const cycles: string[] = [];
    const visit = (f: string) => {
      state.set(f, 1);
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        if (state.get(d) === 1)
          cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(SRC, x)).join(" → "));
        else if (!state.has(d)) visit(d);
      }
      stack.pop();
      state.set(f, 2);
    };
    for (const f of files) if (!state.has(f)) visit(f);
    assert.deepEqual(cycles, []);
    assert.ok(graph.size > 100, "the scan found the library");
  });
});

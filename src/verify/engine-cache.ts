/**
 * A V8 code cache for compute-engine in verifier workers. Parsing and compiling its 3.4 MB bundle is most of a
 * worker's start-up and Node 20 has no module compile cache, so the first worker compiles it and saves V8's
 * code cache in node_modules/.cache/open-rs-ts; later workers load with it (about twice as fast). Any
 * failure (read-only tree, cache from another V8, rejected data) falls back to a plain `require`.
 */
import * as fs from "node:fs";
import { createRequire, Module } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";

const PACKAGE = "@cortex-js/compute-engine";

interface Loaded {
  script: vm.Script;
  cacheFile: string;
  hadCache: boolean;
}

let loaded: Loaded | undefined;

function cacheFileFor(file: string): string {
  const root = path.resolve(__dirname, "..", "..");
  let version = "unknown";
  try {
    // The bundle is <package>/dist/<format>/compute-engine.cjs.
    const pkg = path.join(path.dirname(file), "..", "..", "package.json");
    version = (JSON.parse(fs.readFileSync(pkg, "utf8")) as { version?: string }).version ?? version;
  } catch {
    // keyed by file size below as well
  }
  const size = fs.statSync(file).size;
  const name = `compute-engine-${version}-${size}-node${process.versions.v8}-${process.arch}.v8cache`;
  return path.join(root, "node_modules", ".cache", "open-rs-ts", name);
}

/**
 * Load compute-engine's CommonJS bundle through `vm.Script` with the saved code cache and register it in
 * `require.cache`, so that later `require`/`import` of the package get this instance. Never throws.
 */
export function preloadComputeEngine(): void {
  try {
    const file = require.resolve(PACKAGE);
    if (require.cache[file]) return;
    const cacheFile = cacheFileFor(file);
    let cachedData: Buffer | undefined;
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    const source = fs.readFileSync(file, "utf8");
    const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
    const mod = new Module(file, module);
    mod.filename = file;
    mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
      path.dirname(file),
    );
    const wrapper = script.runInThisContext() as (...a: unknown[]) => void;
    wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
    mod.loaded = true;
    require.cache[file] = mod;
    loaded = { script, cacheFile, hadCache: cachedData !== undefined && !script.cachedDataRejected };
  } catch {
    loaded = undefined;
  }
}

/**
 * Save the code cache (after a warm-up comparison, so it holds the functions compiled so far) when there was
 * none or V8 rejected it. Written to a temporary file and renamed, so concurrent workers never read half a
 * file. Never throws.
 */
export function saveComputeEngineCache(): void {
  const l = loaded;
  if (!l || l.hadCache) return;
  try {
    fs.mkdirSync(path.dirname(l.cacheFile), { recursive: true });
    const tmp = `${l.cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    fs.writeFileSync(tmp, l.script.createCachedData());
    fs.renameSync(tmp, l.cacheFile);
    l.hadCache = true;
  } catch {
    // a read-only tree: every worker compiles from source, as without the cache
  }
}

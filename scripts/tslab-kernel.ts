/**
 * The notebook kernel: tslab 1.0.22, started the way the repo's kernel spec needs it (see
 * jupyter/kernels/open-rs/kernel.json, which runs `node --import tsx scripts/tslab-kernel.ts kernel ...`).
 *
 * Two adjustments, both for code that already compiles with `npm run typecheck`, and the interrupt hooks of
 * src/control/kernel-hooks.ts:
 * - tslab type-checks with `strict` off, where `if (!r.ok) r.reason` on a `{ok: true} | {ok: false; reason}`
 *   union does not narrow; the library is written for `strict: true` (tsconfig.json), so the kernel's compiler
 *   gets `strict: true` too. tslab's TypeScript exports are non-configurable getters, so the module object is
 *   swapped in the require cache for a proxy that wraps `createWatchCompilerHost`.
 * - `--import tsx` (in the kernel spec) lets Node load tfjs-core's ESM-only `dist/register_all_gradients`,
 *   whose extensionless relative imports plain Node cannot resolve.
 */
type CompilerOptions = Record<string, unknown>;
type CreateHost = (rootFiles: string[], options: CompilerOptions, ...rest: unknown[]) => unknown;

/** Compiler options the kernel adds to tslab's own (those of tsconfig.json that change type checking). */
export const KERNEL_COMPILER_OPTIONS: Readonly<CompilerOptions> = Object.freeze({
  strict: true,
  noImplicitAny: false,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
});

function patchTslabCompiler(): void {
  const id = require.resolve("@tslab/typescript-for-tslab", { paths: [require.resolve("tslab")] });
  const ts = require(id) as { createWatchCompilerHost: CreateHost };
  const original = ts.createWatchCompilerHost;
  const wrapped: CreateHost = (rootFiles, options, ...rest) =>
    original(rootFiles, { ...options, ...KERNEL_COMPILER_OPTIONS }, ...rest);
  const proxy = new Proxy(ts, {
    get: (target, key) =>
      key === "createWatchCompilerHost" ? wrapped : (target as Record<string | symbol, unknown>)[key],
  });
  const cached = require.cache[id];
  if (!cached) throw new Error(`tslab-kernel: ${id} is not in the require cache; cannot patch tslab`);
  cached.exports = proxy;
}

if (require.main === module) {
  patchTslabCompiler();
  // Interrupts stop the runs and evals the running cell awaits (src/control/kernel-hooks.ts).
  (require("../src/control/kernel-hooks") as { installKernelHooks(): void }).installKernelHooks();
  (require("tslab/dist/main.js") as { main(): void }).main();
}

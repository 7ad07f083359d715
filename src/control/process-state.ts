/**
 * State that must be one per process even when a module is loaded twice: a notebook kernel loads the library
 * through tslab's compiler while its wrapper loads parts of it through tsx, and tslab reloads a file that
 * changes on disk. Each piece lives on `globalThis` under a `Symbol.for` key, created by the first instance.
 */
export function processState<T>(key: string, create: () => T): T {
  const sym = Symbol.for(`open-rs-ts/${key}`);
  const g = globalThis as unknown as Record<symbol, T | undefined>;
  if (g[sym] === undefined) g[sym] = create();
  return g[sym] as T;
}

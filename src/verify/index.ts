/**
 * Math answer extraction and equivalence at Math-Verify 0.5.2 grade.
 *
 * - {@link parse}: synchronous, pure extraction + normalisation (priorities, right-to-left, first/any match).
 * - {@link verify}: true iff any (gold, target) pair is equivalent. Cheap string and exact-number checks run
 *   in the calling thread; everything else runs in a compute-engine worker pool with a hard timeout. Results
 *   are cached per pair (bounded LRU). Never throws: errors and timeouts are `false`.
 * - Importing this module starts one engine worker in the background ({@link warmVerifier}), so that the
 *   first engine-bound check after start-up does not wait for compute-engine to load.
 */
import { canonicalAnswer, reduceEquations, stringKey } from "./canon";
import { exactNumbersEqual, parseExactNumber } from "./numeric";
import { type PoolStats, VerifierPool } from "./pool";
import { syntaxEngine } from "./syntax";
import type { ParsedAnswer, ParseOptions, VerifyOptions } from "./types";

export { parse } from "./extract";
export { DEFAULT_NORMALIZATION, normalizeLatex } from "./normalize";
export type {
  ExprExtraction,
  ExtractionTarget,
  LatexExtraction,
  NormalizationConfig,
  ParsedAnswer,
  ParseOptions,
  VerifyOptions,
} from "./types";

import { parse } from "./extract";

/** Defaults of {@link verify} (Math-Verify: float_rounding 6, timeout 3 s — lighteval uses precision 5). */
export const DEFAULT_VERIFY_OPTIONS: Readonly<Required<VerifyOptions>> = Object.freeze({
  precision: 6,
  timeoutMs: 3000,
  strict: true,
  percent: "fraction",
  version: "0.5.2",
});

/** Entries kept in the (gold, target) result cache. */
export const CACHE_SIZE = 50_000;

const cache = new Map<string, boolean>();
let pool: VerifierPool | undefined;

function cacheGet(key: string): boolean | undefined {
  const v = cache.get(key);
  if (v !== undefined) {
    cache.delete(key);
    cache.set(key, v);
  }
  return v;
}

function cacheSet(key: string, v: boolean): void {
  cache.set(key, v);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
}

type Verdict = boolean | undefined;

/** Calling-thread checks: exact string key, words, exact numbers. `undefined` = ask the engine. */
function fastPath(gold: string, target: string, o: Required<VerifyOptions>): Verdict {
  if (gold === "" || target === "") return false;
  if (stringKey(gold) === stringKey(target)) return true;
  const gn = parseExactNumber(gold);
  const tn = parseExactNumber(target);
  if (gn && tn) {
    if (exactNumbersEqual(gn, tn, o.precision)) return true;
    if (o.percent === "either") {
      const gp = gold.endsWith("\\%") ? parseExactNumber(gold.slice(0, -2)) : undefined;
      const tp = target.endsWith("\\%") ? parseExactNumber(target.slice(0, -2)) : undefined;
      if (gp && exactNumbersEqual(gp, tn, o.precision)) return true;
      if (tp && exactNumbersEqual(gn, tp, o.precision)) return true;
    }
    return false;
  }
  const words = /^[A-Za-z ]+$/;
  if (words.test(gold) && words.test(target) && (gold.length > 1 || target.length > 1)) {
    return gold.toLowerCase().replace(/\s+/g, "") === target.toLowerCase().replace(/\s+/g, "");
  }
  return undefined;
}

async function comparePair(g: ParsedAnswer, t: ParsedAnswer, o: Required<VerifyOptions>): Promise<boolean> {
  if (g.fallback || t.fallback) {
    const a = g.latex.trim();
    const b = t.latex.trim();
    return Boolean(g.fallback && t.fallback) && a.length > 0 && a === b;
  }
  const [gold, target] = reduceEquations(canonicalAnswer(g.latex), canonicalAnswer(t.latex));
  const key = `${o.precision}|${o.strict}|${o.percent}|${o.version}|${gold}\u0000${target}`;
  const hit = cacheGet(key);
  if (hit !== undefined) return hit;
  let v = fastPath(gold, target, o);
  if (v === undefined) {
    pool ??= new VerifierPool();
    const used = pool;
    const cmp = { precision: o.precision, strict: o.strict, version: o.version };
    v = await used.check(gold, target, cmp, o.timeoutMs);
    // A check cut short by shutdownVerifier() is answered false but not remembered.
    if (pool !== used) return v;
  }
  // Timeouts are cached as false too: the same pair would hang again.
  cacheSet(key, v);
  return v;
}

/**
 * True iff any (gold, target) pair is equivalent (Math-Verify semantics, asymmetric: assignment gold
 * `k=5` reduced to rhs; target equation reduced to rhs only if gold is not an equation). Never throws:
 * errors/timeouts → false.
 */
export async function verify(
  gold: ParsedAnswer[],
  target: ParsedAnswer[],
  opts: VerifyOptions = {},
): Promise<boolean> {
  try {
    const o = { ...DEFAULT_VERIFY_OPTIONS, ...opts };
    for (const g of gold) {
      for (const t of target) {
        if (await comparePair(g, t, o)) return true;
      }
    }
    return false;
  } catch {
    return false;
  }
}

/** Convenience: parse both and verify. */
export function verifyStrings(
  gold: string,
  pred: string,
  opts: VerifyOptions & { goldParse?: ParseOptions; predParse?: ParseOptions } = {},
): Promise<boolean> {
  const { goldParse, predParse, ...v } = opts;
  return verify(parse(gold, goldParse), parse(pred, predParse), v);
}

/**
 * Start the engine worker pool (idempotent) and resolve when a worker is ready (never rejects). Importing this
 * module already starts it in the background; awaiting this keeps the process alive until the worker is up.
 */
export function warmVerifier(): Promise<void> {
  pool ??= new VerifierPool();
  return pool.warm();
}

// Warm on import, in parallel with the importer's other start-up work: the engine worker loads compute-engine
// (1–3 s) on another core and never keeps the process alive by itself; the calling thread builds its own
// (syntax-only) engine once the import is done.
pool = new VerifierPool();
pool.start();
setImmediate(() => syntaxEngine()).unref();

/** Terminates the worker pool (tests/CLI exit); a later verify starts a new one. Clears nothing else. */
export async function shutdownVerifier(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.shutdown();
}

/** Pool counters (checks sent to the engine, timeouts, engine errors, worker respawns), workers, cache size. */
export function verifierStats(): PoolStats & { workers: number; cacheSize: number } {
  const s = pool?.stats ?? { checks: 0, timeouts: 0, errors: 0, respawns: 0 };
  return { ...s, workers: pool?.workers ?? 0, cacheSize: cache.size };
}

/** Empty the pair cache (tests and benchmarks). */
export function clearVerifyCache(): void {
  cache.clear();
}

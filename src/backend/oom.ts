/**
 * The wasm backend reports an exhausted heap (capped at 4 GiB) as a bare "memory access out of bounds" or an
 * emscripten abort, with no hint of the cause. {@link explainOom} turns such an error into one that says what
 * ran out and which setting to lower; other errors pass through unchanged.
 */

const OOM_PATTERNS = [
  /memory access out of bounds/i,
  /out of memory/i,
  /Cannot enlarge memory/i,
  /Aborted\(OOM\)/i,
  /Array buffer allocation failed/i,
];

/** True when `err` looks like an exhausted wasm (or JS) heap. */
export function isOomError(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return OOM_PATTERNS.some((p) => p.test(msg));
}

/** `err` itself, or an Error naming `what` ran out of memory and `hint` (the setting to lower); keeps `cause`. */
export function explainOom(err: unknown, what: string, hint: string): unknown {
  if (!isOomError(err)) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new Error(
    `out of memory during ${what} (the wasm heap is capped at 4 GiB; backend said: "${msg}"). ${hint}`,
    { cause: err },
  );
}

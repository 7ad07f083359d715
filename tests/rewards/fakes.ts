/**
 * Fake verifiers for reward unit tests: they pin the mode logic (argument order, gold source, failure values)
 * independently of the real verifier's judgement. The real verifier is exercised in verified.test.ts.
 */
import type { VerifierLike } from "../../src/rewards/judge";
import type { RewardBatch, RewardContext } from "../../src/rewards/types";
import type { ParsedAnswer } from "../../src/verify/types";

/** Extracts the last `\boxed{…}` (no nesting) verbatim; verify = exact equality of the first candidates. */
export function boxedFake(log: Array<[first: string, second: string]> = []): VerifierLike {
  return {
    parse(text: string): ParsedAnswer[] {
      const all = [...text.matchAll(/\\boxed\{([^{}]*)\}/g)];
      const last = all[all.length - 1];
      return last === undefined ? [] : [{ latex: last[1], raw: last[1] }];
    },
    async verify(a, b) {
      log.push([a[0]?.raw ?? "", b[0]?.raw ?? ""]);
      return a.length > 0 && b.length > 0 && a[0].latex === b[0].latex;
    },
  };
}

/** Every text parses (even ""); verify answers `verdict`. */
export function constantFake(verdict: boolean): VerifierLike {
  return {
    parse: () => [{ latex: "x", raw: "x" }],
    verify: async () => verdict,
  };
}

/** parse works, verify throws (a verifier failure). */
export const throwingFake: VerifierLike = {
  parse: () => [{ latex: "x", raw: "x" }],
  verify: async () => {
    throw new Error("boom");
  },
};

/** One batch row. */
export function row(solution: string | undefined, answer = ""): RewardBatch[number] {
  return solution === undefined
    ? { problem: "p", answer, prompt: "q" }
    : { problem: "p", solution, answer, prompt: "q" };
}

/** A context with token counts (default: 0 per completion) and a fresh diagnostics sink. */
export function ctxOf(mode: RewardContext["mode"], tokens: number[]): RewardContext {
  return { mode, completionTokenCounts: tokens, diagnostics: { unverifiableRows: new Set() } };
}

/**
 * Eval protocols: the paper's (one sample at T 0.6, top-p 0.95) and avg@n, lighteval's math prompt, and the
 * hash that keys resumable results.
 */
import { createHash } from "node:crypto";
import type { ChatMessage } from "../tokenizer/types";

/**
 * lighteval's math prompt as Open-RS used it (open-rs @2889c47 `src/open_r1/evaluate.py`; docs/references.md), verbatim, including
 * the double space after "clearly." and the unclosed quote. `{Question}` is replaced by the problem text.
 */
export const LIGHTEVAL_MATH_PROMPT =
  "Solve the following math problem efficiently and clearly.  The last line of your response should be of the " +
  "following format: 'Therefore, the final answer is: $\\boxed{ANSWER}$. I hope it is correct' (without quotes) " +
  "where ANSWER is just the final number or expression that solves the problem. Think step by step before " +
  "answering.\n\n{Question}";

/** The user turn for one problem: the lighteval prompt, no system prompt (Open-RS evaluates zero-shot). */
export function mathMessages(problem: string): ChatMessage[] {
  return [{ role: "user", content: LIGHTEVAL_MATH_PROMPT.replace("{Question}", () => problem) }];
}

/** How samples are drawn. Every field enters the resume hash (`protocolHash`). */
export interface EvalProtocol {
  /** Name shown in reports: `paper` (n = 1, Open-RS), `avg` (avg@n), or anything else. */
  name: string;
  /** Samples per problem. Paper: 1. */
  n: number;
  /** Softmax temperature; 0 = greedy. Paper: 0.6. */
  temperature: number;
  /** Nucleus mass. Paper: 0.95. */
  topP: number;
  /** Maximum new tokens per sample. Paper: 32,768 (lighteval `max_new_tokens`); use far less on CPU. */
  maxNewTokens: number;
  /** Base seed; each sample's seed is derived from it, the problem id and the sample index. Paper: 1234. */
  seed: number;
}

/** Open-RS's protocol (docs/references.md, "Open-RS evaluation"): one sample at T = 0.6, top-p 0.95, seed 1234, 32,768 new tokens. */
export const PAPER_PROTOCOL: Readonly<EvalProtocol> = Object.freeze({
  name: "paper",
  n: 1,
  temperature: 0.6,
  topP: 0.95,
  maxNewTokens: 32768,
  seed: 1234,
});

/** avg@n with the paper's sampling settings; n defaults to 16 as in DeepScaleR's table. */
export const AVG_PROTOCOL: Readonly<EvalProtocol> = Object.freeze({ ...PAPER_PROTOCOL, name: "avg", n: 16 });

/** Named protocol presets; `resolveProtocol` is the only place names are looked up. */
export const PROTOCOLS: Readonly<Record<string, Readonly<EvalProtocol>>> = Object.freeze({
  paper: PAPER_PROTOCOL,
  avg: AVG_PROTOCOL,
});

/** A preset with overrides. Unknown preset names throw and list the valid ones. */
export function resolveProtocol(name: string, overrides: Partial<EvalProtocol> = {}): EvalProtocol {
  const base = Object.hasOwn(PROTOCOLS, name) ? PROTOCOLS[name] : undefined;
  if (!base) throw new Error(`unknown protocol "${name}"; valid: ${Object.keys(PROTOCOLS).join(", ")}`);
  const p: EvalProtocol = { ...base, ...stripUndefined(overrides) };
  if (!Number.isInteger(p.n) || p.n < 1) throw new Error(`protocol.n must be a positive integer, got ${p.n}`);
  if (!(p.temperature >= 0)) throw new Error(`protocol.temperature must be ≥ 0, got ${p.temperature}`);
  if (!(p.topP > 0 && p.topP <= 1)) throw new Error(`protocol.topP must be in (0, 1], got ${p.topP}`);
  if (!Number.isInteger(p.maxNewTokens) || p.maxNewTokens < 1) {
    throw new Error(`protocol.maxNewTokens must be a positive integer, got ${p.maxNewTokens}`);
  }
  return p;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The resume hash: 12 hex chars of SHA-256 over everything that changes a sample's distribution — the sampling
 * settings (not `n`: raising n reuses the first samples), the prompt, and the model label. Two runs share
 * finished samples only when this hash is equal.
 */
export function protocolHash(p: EvalProtocol, modelLabel: string): string {
  const canon = JSON.stringify({
    temperature: p.temperature,
    topP: p.topP,
    maxNewTokens: p.maxNewTokens,
    seed: p.seed,
    prompt: LIGHTEVAL_MATH_PROMPT,
    chatTemplate: true,
    model: modelLabel,
  });
  return createHash("sha256").update(canon).digest("hex").slice(0, 12);
}

/** The per-sample seed: a 31-bit hash of (base seed, problem id, sample index), stable across runs and runners. */
export function sampleSeed(baseSeed: number, problemId: string, sampleIndex: number): number {
  const h = createHash("sha256").update(`${baseSeed}\u0000${problemId}\u0000${sampleIndex}`).digest();
  return h.readUInt32BE(0) & 0x7fffffff;
}

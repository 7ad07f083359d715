/**
 * Batched generation with a KV cache: left-padded prompts, temperature / top-k / top-p sampling in JS, stop at
 * EOS, micro-batching. Finished rows are dropped from the cache as they end, so a batch costs what its live
 * rows cost. Each sequence samples from its own seeded stream, so its tokens do not depend on its batch
 * (the logits themselves differ across batch paddings at the 1e-6 level: wasm's SIMD sums are not
 * order-independent).
 */
import { DecodeSession } from "../model/decode";
import type { Qwen2ForCausalLM } from "../model/qwen2";
import { Rng } from "../util/rng";
import { logSoftmaxAt, type SampleParams, sampleToken, topLogProbs } from "./sample";
import type { GenerateOptions, GenerateResult } from "./types";

function checkOptions(opts: GenerateOptions): SampleParams {
  const temperature = opts.temperature ?? 1;
  const topP = opts.topP ?? 1;
  const topK = opts.topK ?? 0;
  if (!Number.isInteger(opts.maxNewTokens) || opts.maxNewTokens < 0) {
    throw new Error(`generate: maxNewTokens must be an integer ≥ 0, got ${opts.maxNewTokens}`);
  }
  if (!(temperature >= 0))
    throw new Error(`generate: temperature must be ≥ 0 (0 = greedy), got ${temperature}`);
  if (!(topP > 0 && topP <= 1)) throw new Error(`generate: topP must be in (0, 1], got ${topP}`);
  if (!Number.isInteger(topK) || topK < 0)
    throw new Error(`generate: topK must be an integer ≥ 0, got ${topK}`);
  if (opts.microBatch !== undefined && !(Number.isInteger(opts.microBatch) && opts.microBatch > 0)) {
    throw new Error(`generate: microBatch must be a positive integer, got ${opts.microBatch}`);
  }
  return { temperature, topP, topK };
}

/** One seed per prompt: `opts.seeds`, else drawn in prompt order from `opts.rng`. */
function rowSeeds(n: number, opts: GenerateOptions): number[] {
  if (opts.seeds) {
    if (opts.seeds.length !== n) {
      throw new Error(`generate: ${opts.seeds.length} seeds for ${n} prompts; give one seed per prompt`);
    }
    return [...opts.seeds];
  }
  if (!opts.rng) throw new Error("generate: pass `seeds` (one per prompt) or an `rng`");
  const rng = opts.rng;
  return Array.from({ length: n }, () => rng.nextUint32());
}

/**
 * Generates a completion for each prompt (ragged token ids). Returns, per prompt, the generated ids up to and
 * including the first EOS, the log-prob of each under the model's own distribution (temperature 1, no
 * top-k/top-p), and whether it stopped at `maxNewTokens` without EOS. `onStep` runs after each sampling step
 * with the number of steps done so far, counted over all micro-batches.
 */
export async function generate(
  model: Qwen2ForCausalLM,
  promptIds: number[][],
  opts: GenerateOptions,
): Promise<GenerateResult> {
  const params = checkOptions(opts);
  const seeds = rowSeeds(promptIds.length, opts);
  const result: GenerateResult = { completionIds: [], logprobs: [], truncated: [] };
  const mb = opts.microBatch ?? Math.max(1, promptIds.length);
  let steps = 0;
  const onStep = () => opts.onStep?.(++steps);
  for (let s = 0; s < promptIds.length; s += mb) {
    const rows = { offset: s, rngs: seeds.slice(s, s + mb).map((x) => new Rng(x)) };
    const part = await generateBatch(model, promptIds.slice(s, s + mb), rows, opts, params, onStep);
    result.completionIds.push(...part.completionIds);
    result.logprobs.push(...part.logprobs);
    result.truncated.push(...part.truncated);
  }
  return result;
}

async function generateBatch(
  model: Qwen2ForCausalLM,
  prompts: number[][],
  rows: { offset: number; rngs: Rng[] },
  opts: GenerateOptions,
  params: SampleParams,
  onStep: () => void,
): Promise<GenerateResult> {
  const n = prompts.length;
  const ids: number[][] = prompts.map(() => []);
  const lps: number[][] = prompts.map(() => []);
  const done = new Array<boolean>(n).fill(false);
  if (opts.maxNewTokens === 0 || n === 0 || opts.signal?.aborted)
    return { completionIds: ids, logprobs: lps, truncated: done.map(() => true) };
  const eos = new Set(opts.eosTokenIds);
  const v = model.cfg.vocab_size;
  const { session, logits } = await DecodeSession.prefill(model, prompts, opts.padTokenId);
  try {
    let active = prompts.map((_, i) => i); // session row j holds sequence active[j]
    let cur = logits;
    for (let step = 0; step < opts.maxNewTokens; step++) {
      const next: number[] = [];
      active.forEach((seq, j) => {
        const row = cur.subarray(j * v, (j + 1) * v);
        const tok = sampleToken(row, params, rows.rngs[seq]);
        const lp = logSoftmaxAt(row, tok);
        ids[seq].push(tok);
        lps[seq].push(lp);
        if (eos.has(tok)) done[seq] = true;
        next.push(tok);
        const top = opts.topLogprobs ? topLogProbs(row, opts.topLogprobs) : undefined;
        opts.onToken?.(rows.offset + seq, tok, lp, top);
      });
      onStep();
      if (opts.yieldEachStep) await new Promise<void>((r) => setImmediate(r));
      const keep = active.map((seq, j) => (done[seq] ? -1 : j)).filter((j) => j >= 0);
      if (step === opts.maxNewTokens - 1 || keep.length === 0 || opts.signal?.aborted) break;
      if (keep.length < active.length) session.keepRows(keep);
      cur = await session.step(keep.map((j) => next[j]));
      active = keep.map((j) => active[j]);
    }
  } finally {
    session.dispose();
  }
  return { completionIds: ids, logprobs: lps, truncated: done.map((d) => !d) };
}

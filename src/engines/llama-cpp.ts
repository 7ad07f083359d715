/**
 * The llama.cpp engine: a {@link TextEngine} over node-llama-cpp. Token ids in, token ids out; each prompt
 * samples with llama.cpp's own sampler seeded by its seed. Sequences of one call share a llama.cpp context and
 * are decoded together; the batch is dispatched only once every live sequence has queued its next token, and
 * in sequence order, so a call's results do not depend on thread timing (see docs/engines.md for what is and
 * is not reproducible).
 */
import type {
  BatchItem,
  EvaluationPriority,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
  PrioritizedBatchItem,
  Token,
} from "node-llama-cpp";
import type { EngineOutput, GenerateCallOptions, SamplingParams, TextEngine } from "../eval/engine";
import { eosTokenIds } from "../eval/engine";
import type { GgufOutType } from "../gguf/format";
import type { TokenizerLike } from "../tokenizer/types";
import type { LlamaGpuChoice } from "./llama-runtime";

/** Options of the llama.cpp engine. */
export interface LlamaEngineOptions {
  /** Model label (`/v1/models`, reports). Default: the directory or file name. */
  label?: string;
  /** "auto" (default): the best GPU llama.cpp finds, else CPU. */
  gpu?: LlamaGpuChoice;
  /** llama.cpp CPU threads; default one per core. */
  threads?: number;
  /** Sequences decoded together (one llama.cpp sequence each); default 64, at most 256. */
  parallel?: number;
  /** KV-cache element type; default "F16" (llama.cpp's default, ~2× faster here than F32). */
  kvCacheType?: "F16" | "F32";
  /**
   * Dispatch each batch once every live sequence has queued its token, in sequence order (default true): a
   * call's results then do not depend on thread timing. False uses node-llama-cpp's own scheduling.
   */
  deterministicBatching?: boolean;
  /** llama.cpp flash attention; default "auto" (llama.cpp decides per backend). */
  flashAttention?: boolean | "auto";
  /**
   * Report log π (temperature 1) of sampled tokens even when that costs a full-vocabulary transfer per token
   * (temperature ≠ 0, 1 or top-p < 1). Default false: log-probs come back only where they are free
   * (greedy, or temperature 1 without top-p).
   */
  logprobs?: boolean;
  /** Weight type when converting an HF directory; default "F32". */
  type?: GgufOutType;
  /** Cache root for conversions; default `OPEN_RS_CACHE`, else `~/.cache/open-rs-ts`. */
  cacheDir?: string;
  /** Tokenizer; default: the HF directory's (required with a bare .gguf file unless `tokenizerDir`). */
  tokenizer?: TokenizerLike;
  /** Directory with tokenizer.json / tokenizer_config.json (for a bare .gguf). */
  tokenizerDir?: string;
  /** HF config.json object (EOS ids, max context); read from the directory when there is one. */
  config?: Record<string, unknown>;
  /** Called once with progress lines (conversion, loading). */
  onProgress?: (line: string) => void;
}

/** Internals of node-llama-cpp 3.21.1 used to make batching deterministic (pinned version; checked at use). */
interface ContextInternals {
  _decodeTokens: (...args: unknown[]) => Promise<unknown>;
  _queuedDecodeSequenceIds: Set<number>;
  /** The native context; its `sampleToken` runs on the libuv pool. */
  _ctx: { sampleToken: (...args: unknown[]) => Promise<unknown> };
}

/**
 * Makes the native `sampleToken` calls of a context run one at a time. node-llama-cpp samples every sequence
 * of a batch concurrently on libuv's pool, but llama.cpp's `llama_get_logits_ith` first reorders the output
 * rows in place (`output_reorder`, lazily, after a batch whose ubatches came out of order), which is not
 * thread-safe: with a pool of 4, sequences occasionally sampled from another sequence's or half-swapped logits
 * (measured: log-prob jumps of 0.5–2 nats and different tokens in 1 of ~6 runs with mixed prefill/decode
 * batches). Returns false when the internals are missing.
 */
function serializeSampling(ctx: LlamaContext): boolean {
  const native = (ctx as unknown as Partial<ContextInternals>)._ctx;
  if (!native || typeof native.sampleToken !== "function") return false;
  const orig = native.sampleToken.bind(native);
  let chain: Promise<unknown> = Promise.resolve();
  const serial = (...args: unknown[]) => {
    const run = chain.then(() => orig(...args));
    chain = run.catch(() => undefined);
    return run;
  };
  // the prototype's method is read-only (N-API): shadow it on the instance
  Object.defineProperty(native, "sampleToken", { value: serial, configurable: true });
  if (native.sampleToken !== serial) return false;
  return true;
}

/** A llama.cpp model behind the {@link TextEngine} interface. */
export class LlamaCppEngine implements TextEngine {
  readonly tokenizer: TokenizerLike;
  readonly label: string;
  readonly maxContext?: number;
  /** The GGUF file loaded. */
  readonly ggufPath: string;
  /** The compute backend llama.cpp runs on ("cpu", "cuda", "vulkan", "metal"). */
  readonly backend: string;
  /** llama.cpp CPU threads. */
  readonly threads: number;
  /** True when batches are dispatched deterministically (the node-llama-cpp internals were found). */
  deterministicBatching = true;
  private readonly eos: Set<number>;
  private readonly vocab: number;
  private context: LlamaContext | null = null;
  private sequences: LlamaContextSequence[] = [];
  private ctxTokens = 0;
  /** Most sequences a context could be allocated with (lowered when llama.cpp runs out of memory). */
  private maxSeqs = 256;
  private busy: Promise<unknown> = Promise.resolve();
  /** Sequences that may still queue a decode in the current call (the dispatch waits for all of them). */
  private live = 0;
  private pendingDispatch: (() => void) | null = null;
  private cleanup: (() => void) | null = null;

  constructor(
    llama: Llama,
    private readonly model: LlamaModel,
    tokenizer: TokenizerLike,
    config: Record<string, unknown>,
    ggufPath: string,
    private readonly opts: LlamaEngineOptions & { label: string },
  ) {
    this.tokenizer = tokenizer;
    this.label = opts.label;
    this.ggufPath = ggufPath;
    const maxPos = config.max_position_embeddings;
    this.maxContext = typeof maxPos === "number" ? maxPos : model.trainContextSize;
    this.eos = new Set(eosTokenIds(tokenizer, config));
    this.vocab = modelVocabSize(model, config);
    this.backend = llama.gpu === false ? "cpu" : llama.gpu;
    this.threads = llama.maxThreads;
  }

  /** Registers something to run at dispose (e.g. removing a temporary GGUF). */
  onDispose(f: () => void): void {
    this.cleanup = f;
  }

  private parallel(n: number): number {
    const p = this.opts.parallel ?? 64;
    if (!Number.isInteger(p) || p < 1 || p > 256)
      throw new Error(`llama.cpp parallel must be an integer in [1, 256], got ${p}`);
    return Math.max(1, Math.min(p, n));
  }

  /**
   * A context with up to `seqs` sequences of at least `tokens` cells each (recreated only when too small).
   * When llama.cpp cannot allocate the KV cache, the number of sequences is halved until it can (reported
   * through onProgress). Returns the number of sequences available.
   */
  private async ensureContext(seqs: number, tokens: number): Promise<number> {
    const have = this.sequences.length;
    if (this.context && this.ctxTokens >= tokens && (have >= seqs || have >= this.maxSeqs))
      return Math.min(seqs, have);
    const cells = Math.max(tokens, this.ctxTokens, 64);
    let want = Math.min(Math.max(seqs, this.sequences.length), this.maxSeqs);
    await this.disposeContext();
    const kv = this.opts.kvCacheType ?? "F16";
    const wantDet = this.opts.deterministicBatching !== false;
    let ctx: LlamaContext | null = null;
    while (ctx === null) {
      try {
        ctx = await this.model.createContext({
          sequences: want,
          contextSize: cells,
          batchSize: Math.min(Math.max(512, want), 4096),
          threads: this.threads,
          flashAttention: this.opts.flashAttention ?? "auto",
          experimentalKvCacheKeyType: kv,
          experimentalKvCacheValueType: kv,
          failedCreationRemedy: false,
          batching: wantDet
            ? {
                dispatchSchedule: (dispatch) => {
                  this.pendingDispatch = dispatch;
                  this.maybeDispatch();
                },
                itemPrioritizationStrategy: (o) => this.prioritize(o),
              }
            : undefined,
        });
      } catch (err) {
        if (want === 1)
          throw new Error(`llama.cpp: cannot create a context of ${cells} tokens: ${(err as Error).message}`);
        want = Math.ceil(want / 2);
        this.maxSeqs = want;
        this.opts.onProgress?.(
          `llama.cpp: ${(err as Error).message.split("\n")[0]}; retrying with ${want} sequences`,
        );
      }
    }
    const internals = ctx as unknown as Partial<ContextInternals>;
    const serialized = serializeSampling(ctx);
    if (
      serialized &&
      wantDet &&
      typeof internals._decodeTokens === "function" &&
      internals._queuedDecodeSequenceIds instanceof Set
    ) {
      const orig = internals._decodeTokens.bind(ctx);
      internals._decodeTokens = (...args) => {
        const p = orig(...args);
        this.maybeDispatch();
        return p;
      };
      this.deterministicBatching = true;
    } else {
      this.deterministicBatching = false; // node-llama-cpp's own scheduling (a version without the internals)
    }
    this.context = ctx;
    this.ctxTokens = ctx.contextSize;
    const made = ctx;
    this.sequences = Array.from({ length: want }, () => made.getSequence());
    return Math.min(seqs, want);
  }

  /**
   * Dispatches the pending batch once every live sequence has queued. Without the internals it falls back to
   * node-llama-cpp's own rule (next event-loop turn).
   */
  private maybeDispatch(): void {
    const d = this.pendingDispatch;
    if (!d) return;
    if (!this.deterministicBatching) {
      this.pendingDispatch = null;
      setImmediate(d);
      return;
    }
    const queued = (this.context as unknown as ContextInternals | null)?._queuedDecodeSequenceIds.size ?? 0;
    if (queued >= this.live) {
      this.pendingDispatch = null;
      d();
    }
  }

  /** Batch order by sequence id, first-in-first-out within the token budget (deterministic). */
  private prioritize({ items, size }: { items: readonly BatchItem[]; size: number }): PrioritizedBatchItem[] {
    const key = (it: BatchItem) => it.evaluationPriority; // our sequence index + 1 (see runOne)
    const sorted = [...items].sort((a, b) => key(a) - key(b));
    const out: PrioritizedBatchItem[] = [];
    let left = size;
    for (const item of sorted) {
      if (left <= 0) break;
      const n = Math.min(item.tokens.length, left);
      out.push({ item, processAmount: n });
      left -= n;
    }
    return out;
  }

  private async disposeContext(): Promise<void> {
    const ctx = this.context;
    this.context = null;
    this.sequences = [];
    this.ctxTokens = 0;
    if (ctx) await ctx.dispose();
  }

  /** Serializes calls: they share one context. */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.busy.then(f, f);
    this.busy = run.catch(() => undefined);
    return run;
  }

  private checkPrompts(promptIds: number[][]): void {
    promptIds.forEach((p, i) => {
      if (p.length === 0) throw new Error(`llama.cpp engine: prompt ${i} is empty`);
      for (const id of p) {
        if (!(Number.isInteger(id) && id >= 0 && id < this.vocab))
          throw new Error(
            `llama.cpp engine: token id ${id} (prompt ${i}) is outside the vocabulary [0, ${this.vocab})`,
          );
      }
    });
  }

  generate(
    promptIds: number[][],
    params: SamplingParams,
    seeds: readonly number[],
    call: GenerateCallOptions = {},
  ): Promise<EngineOutput[]> {
    return this.exclusive(() => this.generateNow(promptIds, params, seeds, call));
  }

  private async generateNow(
    promptIds: number[][],
    params: SamplingParams,
    seeds: readonly number[],
    call: GenerateCallOptions,
  ): Promise<EngineOutput[]> {
    const n = promptIds.length;
    if (seeds.length !== n)
      throw new Error(`llama.cpp engine: ${seeds.length} seeds for ${n} prompts; give one seed per prompt`);
    const { temperature: t, topP, maxNewTokens } = params;
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0)
      throw new Error(`llama.cpp engine: maxNewTokens must be an integer ≥ 0, got ${maxNewTokens}`);
    if (!(t >= 0)) throw new Error(`llama.cpp engine: temperature must be ≥ 0, got ${t}`);
    if (!(topP > 0 && topP <= 1)) throw new Error(`llama.cpp engine: topP must be in (0, 1], got ${topP}`);
    this.checkPrompts(promptIds);
    const results: EngineOutput[] = promptIds.map(() => ({ completionIds: [], truncated: true }));
    if (n === 0 || maxNewTokens === 0 || call.signal?.aborted) return results;
    const longest = Math.max(...promptIds.map((x) => x.length));
    const p = await this.ensureContext(this.parallel(n), longest + maxNewTokens);
    // Log-probs: free when greedy (probabilities of the raw logits) or T = 1 without top-p; else only on request.
    const freeLp = t === 0 || (t === 1 && topP === 1);
    const fullDist = !freeLp && this.opts.logprobs === true && topP === 1;
    const withLp = freeLp || fullDist;
    let next = 0;
    const round = new Round(p, this.deterministicBatching);
    this.live = p;
    const worker = async (seq: LlamaContextSequence, w: number) => {
      try {
        for (;;) {
          await round.arrive(w); // prompts go to free sequences in sequence order, whatever finished first
          const i = next++;
          if (i >= n || call.signal?.aborted) break;
          await seq.clearHistory();
          results[i] = await this.runOne(
            seq,
            promptIds[i],
            i,
            seeds[i],
            params,
            withLp,
            fullDist,
            call,
            round,
            w,
          );
        }
      } finally {
        this.live--;
        round.leave();
        this.maybeDispatch();
      }
    };
    await Promise.all(this.sequences.slice(0, p).map(worker));
    return results;
  }

  private async runOne(
    seq: LlamaContextSequence,
    prompt: number[],
    row: number,
    seed: number,
    params: SamplingParams,
    withLp: boolean,
    fullDist: boolean,
    call: GenerateCallOptions,
    round: Round,
    w: number,
  ): Promise<EngineOutput> {
    const t = params.temperature;
    const ids: number[] = [];
    const lps: number[] = [];
    let truncated = true;
    const gen = seq.evaluateWithMetadata(
      prompt as Token[],
      { confidence: withLp && !fullDist, probabilities: fullDist },
      {
        temperature: t,
        // null removes node-llama-cpp's default top-k 40 / top-p 0.95 (a top-k of 0 would sort the vocabulary)
        topK: null as unknown as number,
        topP: params.topP < 1 ? params.topP : (null as unknown as number),
        minP: 0,
        seed: seed >>> 0,
        yieldEogToken: true,
        // not a priority: the sequence's index + 1, the batch-order key of prioritize() (any number passes through)
        evaluationPriority: (w + 1) as EvaluationPriority,
      },
    );
    for await (const out of gen) {
      const tok = out.token as number;
      let lp = Number.NaN;
      if (fullDist) {
        lp = temperatureOneLogProb(
          (out as unknown as { probabilities: Map<number, number> }).probabilities,
          tok,
          t,
        );
      } else if (withLp) {
        lp = Math.log((out as unknown as { confidence: number }).confidence);
      }
      ids.push(tok);
      if (withLp) lps.push(lp);
      call.onToken?.(row, tok, lp);
      if (this.eos.has(tok)) {
        truncated = false;
        break;
      }
      if (ids.length >= params.maxNewTokens || call.signal?.aborted) break;
      await round.arrive(w); // the next token is queued only once every live sequence has its token
    }
    return withLp ? { completionIds: ids, truncated, logprobs: lps } : { completionIds: ids, truncated };
  }

  /**
   * log softmax of the next-token logits after `promptIds` (temperature 1), indexed by token id. llama.cpp
   * reports probabilities (float32), so this is the logits up to their log-sum-exp.
   */
  nextTokenLogProbs(promptIds: number[]): Promise<Float64Array> {
    return this.exclusive(async () => {
      this.checkPrompts([promptIds]);
      await this.ensureContext(1, promptIds.length + 1);
      const seq = this.sequences[0];
      this.live = 1;
      try {
        await seq.clearHistory();
        const gen = seq.evaluateWithMetadata(
          promptIds as Token[],
          { probabilities: true },
          {
            temperature: 0,
            topK: null as unknown as number,
            topP: null as unknown as number,
            minP: 0,
            yieldEogToken: true,
          },
        );
        const first = await gen.next();
        await gen.return(undefined);
        if (first.done) throw new Error("llama.cpp engine: no next token");
        const out = new Float64Array(this.vocab).fill(Number.NEGATIVE_INFINITY);
        for (const [tok, prob] of first.value.probabilities) out[tok] = Math.log(prob);
        return out;
      } finally {
        this.live = 0;
      }
    });
  }

  /** Frees the context and the model (the shared `Llama` stays loaded). */
  async dispose(): Promise<void> {
    await this.exclusive(async () => {
      await this.disposeContext();
      await this.model.dispose();
    });
    this.cleanup?.();
    this.cleanup = null;
  }
}

/**
 * A barrier per decode step: a sequence queues its next decode only once every live sequence has received
 * its token. node-llama-cpp keeps decoding whatever is already queued right after a batch, so without this a
 * batch would hold whichever sequences' sampling finished first on the libuv pool (timing-dependent: with a
 * pool of 4 threads, runs of one call differed run to run). The release waits for the next macrotask, after the
 * batch loop has seen an empty queue and stopped.
 */
class Round {
  private waiting: Array<{ key: number; resolve: () => void }> = [];
  constructor(
    private live: number,
    private readonly enabled: boolean,
  ) {}

  /** Waits for the round; waiters are released in `key` order (not arrival order). */
  arrive(key: number): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.push({ key, resolve });
      this.check();
    });
  }

  leave(): void {
    this.live--;
    this.check();
  }

  private check(): void {
    if (this.waiting.length === 0 || this.waiting.length < this.live) return;
    const release = this.waiting.sort((a, b) => a.key - b.key);
    this.waiting = [];
    setImmediate(() => {
      for (const w of release) w.resolve();
    });
  }
}

/** Rows of the embedding: config.json's vocab_size, else the GGUF's token list. */
function modelVocabSize(model: LlamaModel, config: Record<string, unknown>): number {
  if (typeof config.vocab_size === "number") return config.vocab_size;
  const meta = model.fileInfo.metadata as unknown as {
    tokenizer?: { ggml?: { tokens?: readonly unknown[] } };
  };
  const n = meta.tokenizer?.ggml?.tokens?.length;
  if (typeof n !== "number")
    throw new Error(`${model.filename ?? "GGUF"}: no tokenizer.ggml.tokens (vocabulary size unknown)`);
  return n;
}

/**
 * log π₁(tok) from the probabilities of the temperature-T distribution over the whole vocabulary:
 * log p_T(j) = l_j / T − c, so T · log p_T(j) = l_j − T·c and log π₁(tok) = T·log p_T(tok) − logsumexp(T·log p_T).
 */
export function temperatureOneLogProb(probs: ReadonlyMap<number, number>, tok: number, t: number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const p of probs.values()) if (p > 0) m = Math.max(m, t * Math.log(p));
  let s = 0;
  for (const p of probs.values()) if (p > 0) s += Math.exp(t * Math.log(p) - m);
  const pt = probs.get(tok) ?? 0;
  return t * Math.log(pt) - m - Math.log(s);
}

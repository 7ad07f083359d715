/**
 * Engine throughput on small Qwen2 shapes (m1 ≈ 1M, m10 ≈ 10M parameters, tied heads; the shapes measured in
 * docs/references.md).
 * Prints one JSON line per config: forward tokens/s, forward+backward(+Adam) tokens/s with a GRPO-style loss
 * (micro-batched, gradients accumulated), generation tokens/s (B=8, prompt 32, 64 new, KV cache) and the
 * achieved matmul GFLOP/s. Timings only; nothing here is asserted.
 *
 * usage: npx tsx bench/engine.ts [m1|m10 ...]   (backend: OPEN_RS_BACKEND, default wasm;
 *        OPEN_RS_WASM_THREADS=2 starts the opt-in multi-threaded wasm of src/backend/wasm-threads.ts)
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/backend/select";
import { startThreadedWasm } from "../src/backend/wasm-threads";
import { forwardFlopsPerToken } from "../src/model/config";
import { Qwen2ForCausalLM } from "../src/model/qwen2";
import { generate } from "../src/sampler/generate";
import { Rng } from "../src/util/rng";

interface BenchConfig {
  name: string;
  hf: Record<string, unknown>;
  /** Sequences per backward pass (gradient accumulation over the rest). */
  trainMicroBatch: number;
}

const qwen = (v: number, d: number, l: number, h: number, kv: number, f: number) => ({
  model_type: "qwen2",
  vocab_size: v,
  hidden_size: d,
  num_hidden_layers: l,
  num_attention_heads: h,
  num_key_value_heads: kv,
  intermediate_size: f,
  rope_theta: 1e6,
  tie_word_embeddings: true,
});

const CONFIGS: BenchConfig[] = [
  { name: "m1", hf: qwen(2048, 128, 4, 4, 2, 352), trainMicroBatch: 8 },
  { name: "m10", hf: qwen(8192, 256, 8, 4, 2, 1024), trainMicroBatch: 4 },
];

const B = 8;
const PROMPT = 32;
const COMPLETION = 224; // T = 256 tokens per sequence, 2048 per batch
const GEN_NEW = 64;

function randomIds(rng: Rng, n: number, len: number, vocab: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: len }, () => rng.int(vocab)));
}

async function timeIt(f: () => Promise<void>, reps: number): Promise<number> {
  await f(); // warm-up (XNNPACK packing, kernel setup)
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await f();
  return (performance.now() - t0) / reps / 1000;
}

/** One GRPO-style step: PPO-clip + k3 KL over micro-batches, gradients summed, then Adam. */
function trainStep(
  m: Qwen2ForCausalLM,
  prompts: number[][],
  comps: number[][],
  old: number[][],
  mb: number,
  opt: tf.Optimizer,
) {
  const vars = m.trainableVariables();
  let acc: tf.NamedTensorMap | null = null;
  for (let s = 0; s < prompts.length; s += mb) {
    const { value, grads } = tf.variableGrads(() => {
      const { logprobs, mask } = m.completionLogProbs(prompts.slice(s, s + mb), comps.slice(s, s + mb));
      const oldT = tf.tensor2d(old.slice(s, s + mb));
      const ratio = tf.exp(tf.sub(logprobs, oldT));
      const surr = tf.minimum(ratio, tf.clipByValue(ratio, 0.8, 1.2));
      const d = tf.sub(oldT, logprobs);
      const kl = tf.sub(tf.sub(tf.exp(d), d), 1);
      return tf.neg(tf.div(tf.sum(tf.mul(tf.sub(surr, tf.mul(kl, 0.04)), mask)), tf.sum(mask))) as tf.Scalar;
    }, vars);
    value.dispose();
    if (acc === null) acc = grads;
    else {
      const prev: tf.NamedTensorMap = acc;
      acc = Object.fromEntries(Object.keys(grads).map((k) => [k, tf.add(prev[k], grads[k])]));
      tf.dispose([...Object.values(prev), ...Object.values(grads)]);
    }
  }
  if (acc) {
    opt.applyGradients(acc);
    tf.dispose(Object.values(acc));
  }
}

/** Size of the wasm heap (its high-water mark: wasm memory never shrinks), or null off wasm. */
function wasmHeapMb(): number | null {
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8;
  return heap ? Math.round(heap.length / 2 ** 20) : null;
}

async function benchOne(c: BenchConfig, rng: Rng): Promise<Record<string, unknown>> {
  const m = Qwen2ForCausalLM.random(c.hf, 1);
  const v = m.cfg.vocab_size;
  const prompts = randomIds(rng, B, PROMPT, v);
  const comps = randomIds(rng, B, COMPLETION, v);
  const tokens = B * (PROMPT + COMPLETION);
  const fwdS = await timeIt(async () => {
    await m.tokenLogProbs(prompts, comps, { microBatch: B });
  }, 2);
  const old = await m.tokenLogProbs(prompts, comps, { microBatch: B }); // all completions have equal length
  const opt = tf.train.adam(1e-5);
  const trainS = await timeIt(async () => trainStep(m, prompts, comps, old, c.trainMicroBatch, opt), 1);
  const genS = await timeIt(async () => {
    await generate(m, prompts, {
      maxNewTokens: GEN_NEW,
      eosTokenIds: [],
      padTokenId: 0,
      rng,
      temperature: 1,
    });
  }, 1);
  const flopsPerTok = forwardFlopsPerToken(m.cfg, (PROMPT + COMPLETION) / 2);
  const out = {
    config: c.name,
    backend: tf.getBackend(),
    threads: Number(process.env.OPEN_RS_WASM_THREADS ?? 1),
    params: m.numParameters(),
    tokens_per_batch: tokens,
    fwd_tok_s: Math.round(tokens / fwdS),
    fwd_us_per_tok: Math.round((fwdS / tokens) * 1e6),
    train_tok_s: Math.round(tokens / trainS),
    train_ms_per_tok: +((trainS / tokens) * 1e3).toFixed(3),
    train_step_s: +trainS.toFixed(2),
    train_micro_batch: c.trainMicroBatch,
    gen_tok_s: Math.round((B * GEN_NEW) / genS),
    gen_ms_per_step: +((genS / GEN_NEW) * 1e3).toFixed(1),
    fwd_gflop_s: +((flopsPerTok * tokens) / fwdS / 1e9).toFixed(2),
    train_gflop_s: +((3 * flopsPerTok * tokens) / trainS / 1e9).toFixed(2),
    wasm_heap_mb: wasmHeapMb(),
    num_tensors_after: 0,
  };
  opt.dispose();
  m.dispose();
  out.num_tensors_after = tf.memory().numTensors;
  return out;
}

async function main(): Promise<void> {
  const threads = Number(process.env.OPEN_RS_WASM_THREADS ?? 1);
  if (threads > 1) await startThreadedWasm(threads);
  else await initBackend({ backend: (process.env.OPEN_RS_BACKEND as "wasm" | "cpu" | undefined) ?? "wasm" });
  const wanted = parseArgs({ allowPositionals: true, strict: true }).positionals; // config names (all when none)
  const rng = new Rng(0);
  for (const c of CONFIGS) {
    if (wanted.length && !wanted.includes(c.name)) continue;
    console.log(JSON.stringify(await benchOne(c, rng)));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

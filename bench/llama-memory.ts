/**
 * Memory and speed of the llama.cpp engine for DeepSeek-R1-Distill-Qwen-1.5B's exact shape (hidden 1536,
 * 28 layers, 12 heads / 2 KV heads, intermediate 8960, vocab 151,936, untied head) with random weights, since
 * the real checkpoint cannot be downloaded here. Per weight type: the GGUF size, the model's memory, the KV
 * cache and compute buffers of one 4,096-token sequence as llama.cpp reports them, the process RSS, and greedy
 * decode tok/s. One JSON line per type; nothing asserted. The GGUF (3.6 / 1.9 GB) goes to the cache.
 *
 * usage: npx tsx bench/llama-memory.ts [--types F16,Q8_0] [--threads 1] [--ctx 4096]
 */
import { existsSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadLlamaEngine } from "../src/engines/load-llama";
import { readTokenizerFiles, writeQwen2Gguf } from "../src/gguf/convert";
import type { GgufOutType } from "../src/gguf/format";
import { defaultCacheDir } from "../src/hub/config";
import { countParameters, parseQwen2Config, qwen2ParameterShapes } from "../src/model/config";
import { HfTokenizer } from "../src/tokenizer/tokenizer";

/** DeepSeek-R1-Distill-Qwen-1.5B's config.json (the fields the model uses). */
export const R1_DISTILL_1P5B_CONFIG = {
  model_type: "qwen2",
  vocab_size: 151936,
  hidden_size: 1536,
  intermediate_size: 8960,
  num_hidden_layers: 28,
  num_attention_heads: 12,
  num_key_value_heads: 2,
  max_position_embeddings: 131072,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: false,
  bos_token_id: 151643,
  eos_token_id: 151643,
};

const TOKENIZER_DIR = join(__dirname, "../tests/fixtures/qwen-tokenizer");

/** Seeded uniform weights in [-0.05, 0.05) (xorshift32), norms 1: fast enough for 1.8B values. */
function randomSource(seed: number) {
  const cfg = parseQwen2Config(R1_DISTILL_1P5B_CONFIG);
  const shapes = new Map(qwen2ParameterShapes(cfg).map(([n, s]) => [n, { shape: s }]));
  let x = seed >>> 0 || 1;
  return {
    shapes,
    read(name: string) {
      const n = shapes.get(name)!.shape.reduce((a, b) => a * b, 1);
      const out = new Float32Array(n);
      if (name.endsWith("norm.weight")) return out.fill(1);
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out[i] = ((x >>> 0) / 4294967296 - 0.5) * 0.1;
      }
      return out;
    },
  };
}

async function main(): Promise<void> {
  const flags = parseArgs({
    options: {
      types: { type: "string", default: "F16,Q8_0" },
      threads: { type: "string", default: "1" },
      ctx: { type: "string", default: "4096" },
    },
    strict: true,
  }).values;
  const types = flags.types.split(",") as GgufOutType[];
  const threads = Number(flags.threads);
  const ctx = Number(flags.ctx);
  const params = countParameters(parseQwen2Config(R1_DISTILL_1P5B_CONFIG));
  for (const type of types) {
    const path = join(defaultCacheDir(), "gguf", `random-r1-distill-1.5b-shape-${type}.gguf`);
    let convertS: number | null = null;
    if (!existsSync(path)) {
      const t0 = performance.now();
      await writeQwen2Gguf(path, {
        config: R1_DISTILL_1P5B_CONFIG,
        tensors: randomSource(1),
        tokenizer: readTokenizerFiles(TOKENIZER_DIR),
        type,
        name: "random R1-Distill-Qwen-1.5B shape",
        source: "random",
      });
      convertS = (performance.now() - t0) / 1000;
    }
    const rss0 = process.memoryUsage().rss;
    const tok = HfTokenizer.fromDir(TOKENIZER_DIR);
    const engine = await loadLlamaEngine(path, {
      tokenizer: tok,
      config: R1_DISTILL_1P5B_CONFIG,
      threads,
      gpu: "cpu",
      parallel: 1,
    });
    const model = (engine as unknown as { model: { size: number } }).model;
    const prompt = tok.encode("Solve 3 + 4 * 2 step by step.");
    // one 4,096-token sequence: prompt + new tokens fill the context the engine allocates
    const t0 = performance.now();
    const [out] = await engine.generate(
      [prompt],
      { temperature: 0, topP: 1, maxNewTokens: ctx - prompt.length },
      [0],
      {
        signal: AbortSignal.timeout(20_000),
      },
    );
    const s = (performance.now() - t0) / 1000;
    const context = (engine as unknown as { context: { memoryUsage: { ram: number }; stateSize: number } })
      .context;
    console.log(
      JSON.stringify({
        model: "R1-Distill-Qwen-1.5B shape (random weights)",
        type,
        params,
        gguf_bytes: statSync(path).size,
        convert_s: convertS === null ? null : Number(convertS.toFixed(1)),
        model_bytes: model.size,
        context_tokens: ctx,
        context_ram_bytes: context.memoryUsage.ram,
        kv_state_bytes: context.stateSize,
        rss_delta_bytes: process.memoryUsage().rss - rss0,
        threads,
        decode_tok_s: Number((out.completionIds.length / s).toFixed(2)),
        load_1m: Number(loadavg()[0].toFixed(2)),
      }),
    );
    await engine.dispose();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

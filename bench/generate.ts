/**
 * Generation throughput per engine and model on the quickstart rollout shape: 96 sequences (16 tiny-r1
 * prompts × 6 seeds), 64 new tokens, temperature 0.6. Prints one JSON line per engine, model and setting
 * (`engine`, `model`, `threads`, `tok_s` = generated tokens / wall seconds, best of `--reps`), plus the load
 * average, since this machine is shared. Timings only; nothing is asserted.
 *
 * usage: npx tsx bench/generate.ts [--models tiny-r1,random-25m] [--engines tfjs,llama.cpp]
 *        [--threads 1,2] [--reps 2] [--n 96] [--new 64] [--temperature 0.6] [--kv F16|F32]
 * A new engine is one entry of ENGINES: a name and a factory (model dir, threads) → TextEngine.
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import type { SamplingParams, TextEngine } from "../src/eval/engine";

// libuv's pool size is read at its first use: re-run with it set unless the caller chose one (llama-runtime.ts).
if (process.env.UV_THREADPOOL_SIZE === undefined) {
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, UV_THREADPOOL_SIZE: "1" },
  });
  process.exit(r.status ?? 1);
}

interface EngineSpec {
  /** Thread counts this engine can use (others are skipped). */
  threads: (requested: number[]) => number[];
  load: (dir: string, threads: number) => Promise<TextEngine & { dispose?: () => Promise<void> | void }>;
}

/** The flags (node's parseArgs, strict: a misspelt flag is an error), with their defaults. */
const FLAGS = parseArgs({
  options: {
    models: { type: "string", default: "tiny-r1,random-25m" },
    engines: { type: "string", default: "tfjs,llama.cpp" },
    threads: { type: "string", default: "1,2" },
    reps: { type: "string", default: "2" },
    n: { type: "string", default: "96" },
    new: { type: "string", default: "64" },
    temperature: { type: "string", default: "0.6" },
    kv: { type: "string", default: "F16" },
  },
  strict: true,
}).values;

const KV = FLAGS.kv as "F16" | "F32";

const ENGINES: Record<string, EngineSpec> = {
  // The tfjs sampler: 1 "thread" = in this process; N = N worker threads, each a replica decoding its share.
  tfjs: {
    threads: (t) => t,
    load: async (dir, threads) => {
      const { loadLocalEngine } = await import("../src/eval/local-model");
      const workers = threads === 1 ? 0 : threads;
      return loadLocalEngine(dir, { microBatch: Math.ceil(96 / Math.max(1, workers)), workers });
    },
  },
  "llama.cpp": {
    threads: (t) => t,
    load: async (dir, threads) => {
      const { loadLlamaEngine } = await import("../src/engines/load-llama");
      return loadLlamaEngine(dir, { threads, gpu: "cpu", kvCacheType: KV, parallel: 96 });
    },
  },
};

async function modelDir(name: string): Promise<string> {
  const { TINY_R1_DIR, ensureRandom25m } = await import("../src/engines/random-model");
  if (name === "tiny-r1") return TINY_R1_DIR;
  if (name === "random-25m") return ensureRandom25m();
  throw new Error(`unknown model "${name}" (tiny-r1, random-25m)`);
}

async function prompts(engine: TextEngine, n: number): Promise<number[][]> {
  const { tinySplits } = await import("../src/tiny/recipe");
  const rows = tinySplits().heldoutHard.slice(0, Math.ceil(n / 6));
  const { encodeChat } = await import("../src/eval/engine");
  const base = rows.map((r) => encodeChat(engine.tokenizer, [{ role: "user", content: String(r.problem) }]));
  return Array.from({ length: n }, (_, i) => base[Math.floor(i / 6) % base.length]);
}

async function main(): Promise<void> {
  const models = FLAGS.models.split(",");
  const engines = FLAGS.engines.split(",");
  const threads = FLAGS.threads.split(",").map(Number);
  const reps = Number(FLAGS.reps);
  const n = Number(FLAGS.n);
  const params: SamplingParams = {
    temperature: Number(FLAGS.temperature),
    topP: 1,
    maxNewTokens: Number(FLAGS.new),
  };
  for (const m of models) {
    const dir = await modelDir(m);
    for (const e of engines) {
      const spec = ENGINES[e];
      if (!spec) throw new Error(`unknown engine "${e}" (${Object.keys(ENGINES).join(", ")})`);
      for (const t of spec.threads(threads)) {
        const engine = await spec.load(dir, t);
        const ps = await prompts(engine, n);
        const seeds = ps.map((_, i) => 1000 + i);
        await engine.generate(ps.slice(0, 8), { ...params, maxNewTokens: 8 }, seeds.slice(0, 8)); // warm-up
        let best = 0;
        let tokens = 0;
        let seconds = 0;
        for (let r = 0; r < reps; r++) {
          const t0 = performance.now();
          const outs = await engine.generate(ps, params, seeds);
          const s = (performance.now() - t0) / 1000;
          const k = outs.reduce((a, o) => a + o.completionIds.length, 0);
          if (k / s > best) [best, tokens, seconds] = [k / s, k, s];
        }
        const load = loadavg()[0];
        const extra = e === "llama.cpp" ? { kv: KV } : {};
        console.log(
          JSON.stringify({
            engine: e,
            model: m,
            threads: t,
            tok_s: Math.round(best),
            tokens,
            seconds: Number(seconds.toFixed(3)),
            n,
            new_tokens: params.maxNewTokens,
            temperature: params.temperature,
            ...extra,
            load_1m: Number(load.toFixed(2)),
          }),
        );
        await engine.dispose?.();
      }
    }
  }
}

main()
  .then(async () => {
    const { shutdownGenerator } = await import("../src/workers/generator");
    await shutdownGenerator();
  })
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });

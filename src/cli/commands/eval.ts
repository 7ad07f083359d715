/**
 * `open-rs eval --model DIR | --base-url URL[,URL2] [--benchmarks aime24,math500] [--protocol paper|avg|paper,avg]
 * [--n N] [--limit K] [--out FILE]`: the five Open-RS benchmarks (or any MathRow file) with lighteval's prompt
 * and extractive match, in-process or against OpenAI-compatible servers; prints pass@1 ± stderr, pass@k and the
 * paper comparison. Samples are appended to --out as they finish; rerunning resumes.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { loadLlamaEngine } from "../../engines/load-llama";
import { BENCHMARKS, type GoldKind } from "../../eval/benchmarks";
import { loadLocalEngine } from "../../eval/local-model";
import { type EvalProtocol, PROTOCOLS, resolveProtocol } from "../../eval/protocol";
import { paperComparison, scoreHtml, scoreMarkdown } from "../../eval/report";
import { type EvalJob, runEvalJob, servedModelName } from "../../eval/run";
import { parseGgufOutType } from "../../gguf/convert";
import { ProgressBar } from "../../kernel-helpers/progress";
import { HfTokenizer } from "../../tokenizer/tokenizer";
import { shutdownVerifier } from "../../verify/index";
import { resolveWorkers } from "../../workers/count";
import { shutdownGenerator } from "../../workers/generator";
import { enumFlag, enumListFlag, numberFlag, parseFlags, runCommand, UsageError } from "../errors";

/** One line for the usage listing. */
export const summary =
  "evaluate a model on AIME24/MATH-500/AMC23/Minerva/OlympiadBench (paper protocol and avg@n)";

const HELP = `Usage: open-rs eval (--model DIR | --base-url URL[,URL2...]) [options]

Model:
  --model DIR            evaluate a local HF checkpoint in-process
  --engine tfjs|llama.cpp  tfjs: our Qwen2 on worker threads (default); llama.cpp: the checkpoint converted to
                         GGUF (cached, F32 unless --gguf-type) and run by llama.cpp, on a GPU when it finds one
  --gguf-type f32|f16|q8_0   weights of the llama.cpp conversion (default f32)
  --workers N            tfjs worker threads (default: OPEN_RS_WORKERS, else the cores; 0 = this thread)
  --base-url URLS        OpenAI-compatible server(s), comma-separated, used round-robin (data parallel)
  --model-name NAME      'model' field sent to the server (default: first id of GET /v1/models)
  --api chat|completions chat (server applies its template) or completions (templated here with --tokenizer)
  --tokenizer DIR        tokenizer dir (completions API, or a model dir without tokenizer files)
Benchmarks:
  --benchmarks LIST      comma-separated names (${Object.keys(BENCHMARKS).join(",")}) or .jsonl/.parquet paths;
                         default all five
  --limit K              first K problems of each
  --source auto|local|hub, --data-dir DIR, --cache-dir DIR, --offline
  --gold-field answer|solution, --gold-kind expr|latex   mapping for file benchmarks (default answer, expr)
Protocol:
  --protocol LIST        paper (n=1, T=0.6, top_p=0.95, seed 1234) and/or avg (avg@n); default paper, or avg
                         when --n is given
  --n N                  samples per problem for avg (default 16)
  --temperature T, --top-p P, --seed S
  --max-tokens M         max new tokens (default 32768 with --base-url as in the paper, 1024 in-process)
Run:
  --out FILE             results JSONL, appended as samples finish; rerun to resume (default eval-results/<model>.jsonl)
  --markdown FILE, --html FILE   also write the score table there
  --concurrency C (HTTP, default 8), --timeout S (per request, default 600), --retries R (default 5)
  --batch-size B (in-process prompts per generate call, default 8), --micro-batch M (default 8)`;

const OPTIONS = {
  model: { type: "string" },
  engine: { type: "string" },
  "gguf-type": { type: "string" },
  workers: { type: "string" },
  "base-url": { type: "string" },
  "model-name": { type: "string" },
  api: { type: "string" },
  tokenizer: { type: "string" },
  benchmarks: { type: "string" },
  limit: { type: "string" },
  source: { type: "string" },
  "data-dir": { type: "string" },
  "cache-dir": { type: "string" },
  offline: { type: "boolean" },
  "gold-field": { type: "string" },
  "gold-kind": { type: "string" },
  protocol: { type: "string" },
  n: { type: "string" },
  temperature: { type: "string" },
  "top-p": { type: "string" },
  seed: { type: "string" },
  "max-tokens": { type: "string" },
  out: { type: "string" },
  markdown: { type: "string" },
  html: { type: "string" },
  concurrency: { type: "string" },
  timeout: { type: "string" },
  retries: { type: "string" },
  "batch-size": { type: "string" },
  "micro-batch": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Flags = ReturnType<typeof parseFlags<typeof OPTIONS>>;

const int = (flags: Flags, name: keyof Flags, min = 1) =>
  numberFlag(String(name), flags[name] as string | undefined, { integer: true, min });

/** The protocols the flags ask for; every value checked, naming its flag. */
export function protocolsFromFlags(flags: Flags, http: boolean): EvalProtocol[] {
  const n = int(flags, "n");
  const names = enumListFlag(
    "protocol",
    flags.protocol ?? (n !== undefined ? "avg" : "paper"),
    Object.keys(PROTOCOLS),
  );
  const over = {
    temperature: numberFlag("temperature", flags.temperature, { min: 0 }),
    topP: numberFlag("top-p", flags["top-p"], { min: Number.MIN_VALUE, max: 1 }),
    seed: numberFlag("seed", flags.seed, { integer: true }),
    maxNewTokens: int(flags, "max-tokens") ?? (http ? 32768 : 1024),
  };
  if (names.length === 1 && names[0] === "paper" && n !== undefined && n !== 1) {
    throw new UsageError("the paper protocol draws n = 1; use --protocol avg (or paper,avg) with --n");
  }
  return names.map((name) => resolveProtocol(name, { ...over, n: name === "paper" ? undefined : n }));
}

/** Benchmark names must be known, and anything else a data file. */
function benchmarksFromFlags(flags: Flags): string[] {
  const list = (flags.benchmarks ?? Object.keys(BENCHMARKS).join(",")).split(",").filter(Boolean);
  if (list.length === 0) throw new UsageError("--benchmarks needs at least one name or file");
  for (const b of list) {
    if (!Object.hasOwn(BENCHMARKS, b) && !/\.(jsonl|json|parquet)$/i.test(b)) {
      throw new UsageError(
        `--benchmarks: unknown benchmark "${b}"; use ${Object.keys(BENCHMARKS).join(", ")}, or a .jsonl/.json/.parquet file`,
      );
    }
  }
  return list;
}

/** `--base-url` values: comma-separated http(s) URLs. */
function baseUrlsFromFlags(flags: Flags): string[] {
  const urls = flags["base-url"]?.split(",").filter(Boolean) ?? [];
  for (const u of urls) {
    let ok = false;
    try {
      ok = ["http:", "https:"].includes(new URL(u).protocol);
    } catch {}
    if (!ok) throw new UsageError(`--base-url: "${u}" is not an http(s) URL, e.g. http://127.0.0.1:8000`);
  }
  return urls;
}

/** The HTTP settings of an eval against servers; `--api completions` needs a tokenizer to template with. */
function httpFromFlags(flags: Flags, baseUrls: string[]): Omit<NonNullable<EvalJob["http"]>, "model"> {
  const api = enumFlag("api", flags.api, ["chat", "completions"] as const);
  if (api === "completions" && !flags.tokenizer) {
    throw new UsageError(
      "--api completions renders the chat template here: pass --tokenizer DIR (or use --api chat)",
    );
  }
  const timeout = numberFlag("timeout", flags.timeout, { min: 0.001 });
  return {
    baseUrls,
    api,
    tokenizer: flags.tokenizer ? HfTokenizer.fromDir(flags.tokenizer) : undefined,
    concurrency: int(flags, "concurrency"),
    timeoutMs: (timeout ?? 600) * 1000,
    maxRetries: int(flags, "retries", 0),
  };
}

/** Where benchmark data comes from. */
function sourceFromFlags(flags: Flags): EvalJob["source"] {
  return {
    source: enumFlag("source", flags.source, ["auto", "local", "hub"] as const),
    dataDir: flags["data-dir"],
    hub: { cacheDir: flags["cache-dir"], offline: flags.offline },
    mapping: {
      goldField: enumFlag("gold-field", flags["gold-field"], ["answer", "solution"] as const),
      goldKind: enumFlag("gold-kind", flags["gold-kind"], [
        "expr",
        "latex",
      ] as const satisfies readonly GoldKind[]),
    },
  };
}

/** Run `open-rs eval`. */
export function run(argv: string[]): Promise<number> {
  return runCommand("eval", () => evalMain(argv));
}

async function evalMain(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, OPTIONS);
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  if (!flags.model === !flags["base-url"])
    throw new UsageError("give exactly one of --model DIR or --base-url URL");
  const baseUrls = baseUrlsFromFlags(flags);
  const protocols = protocolsFromFlags(flags, baseUrls.length > 0);
  const benchmarks = benchmarksFromFlags(flags);
  const source = sourceFromFlags(flags);
  const limit = int(flags, "limit");
  const batchSize = int(flags, "batch-size");
  const microBatch = int(flags, "micro-batch");
  const httpBase = flags.model ? undefined : httpFromFlags(flags, baseUrls);
  const engineName = enumFlag("engine", flags.engine, ["tfjs", "llama.cpp"] as const) ?? "tfjs";
  if (flags.engine && !flags.model) throw new UsageError("--engine applies to --model DIR (in-process)");
  const ggufType = enumFlag("gguf-type", flags["gguf-type"], ["f32", "f16", "q8_0"] as const);
  const workers = int(flags, "workers", 0);
  const engine = !flags.model
    ? undefined
    : engineName === "llama.cpp"
      ? await loadLlamaEngine(flags.model, {
          tokenizerDir: flags.tokenizer,
          type: ggufType ? parseGgufOutType(ggufType, "--gguf-type") : undefined,
          onProgress: (line) => process.stderr.write(`${line}\n`),
        })
      : await loadLocalEngine(flags.model, {
          tokenizerDir: flags.tokenizer,
          microBatch,
          workers: resolveWorkers(workers),
        });
  const modelName = engine ? engine.label : (flags["model-name"] ?? (await servedModelName(baseUrls[0])));
  const http = httpBase && { ...httpBase, model: modelName };
  const out = flags.out ?? path.join("eval-results", `${modelName.replace(/[^\w.-]+/g, "_")}.jsonl`);
  const bars = new Map<string, ProgressBar>();
  const correct = new Map<string, number>();
  const t0 = Date.now();
  let drawn = 0;
  try {
    const runs = await runEvalJob({
      benchmarks,
      protocols,
      engine,
      batchSize,
      http,
      out,
      limit,
      source,
      onBenchmarkStart: (p, b, total, reused) => {
        const bar = new ProgressBar(total, { label: `${p}/${b}` });
        bar.update(reused, reused > 0 ? `${reused} resumed` : undefined);
        bars.set(`${p}/${b}`, bar);
      },
      onSample: (p, b, r) => {
        drawn++;
        const k = `${p}/${b}`;
        correct.set(k, (correct.get(k) ?? 0) + (r.correct ? 1 : 0));
        const rate = drawn / ((Date.now() - t0) / 1000);
        bars.get(k)?.tick(1, `${correct.get(k)} correct new · ${rate.toFixed(2)} samples/s`);
      },
    });
    const md = scoreMarkdown(runs);
    console.log(md);
    const paperBenches = runs.some((r) => r.benchmarks.some((b) => b.name in BENCHMARKS));
    if (paperBenches) console.log(`\n${paperComparison(runs)}`);
    console.log(`\nresults: ${out} (${drawn} new samples in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    if (flags.markdown)
      writeFileSync(flags.markdown, `${md}\n\n${paperBenches ? paperComparison(runs) : ""}\n`);
    if (flags.html) writeFileSync(flags.html, scoreHtml(runs));
    return 0;
  } finally {
    await (engine as { dispose?: () => Promise<void> } | undefined)?.dispose?.();
    await shutdownGenerator();
    await shutdownVerifier();
  }
}

/**
 * `open-rs eval --model DIR | --base-url URL[,URL2] [--benchmarks aime24,math500] [--protocol paper|avg|paper,avg]
 * [--n N] [--limit K] [--out FILE]`: the five Open-RS benchmarks (or any MathRow file) with lighteval's prompt
 * and extractive match, in-process or against OpenAI-compatible servers; prints pass@1 ± stderr, pass@k and the
 * paper comparison. Samples are appended to --out as they finish; rerunning resumes.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { BENCHMARKS, type GoldKind } from "../../eval/benchmarks";
import { loadLocalEngine } from "../../eval/local-model";
import { type EvalProtocol, resolveProtocol } from "../../eval/protocol";
import { paperComparison, scoreHtml, scoreMarkdown } from "../../eval/report";
import { runEvalJob, servedModelName } from "../../eval/run";
import { ProgressBar } from "../../kernel-helpers/progress";
import { HfTokenizer } from "../../tokenizer/tokenizer";
import { shutdownVerifier } from "../../verify/index";

/** One line for the usage listing. */
export const summary =
  "evaluate a model on AIME24/MATH-500/AMC23/Minerva/OlympiadBench (paper protocol and avg@n)";

const HELP = `Usage: open-rs eval (--model DIR | --base-url URL[,URL2...]) [options]

Model:
  --model DIR            evaluate a local HF checkpoint in-process (our tfjs Qwen2)
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

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];

/** A numeric flag, or undefined; throws naming the flag when it is not a number. */
function num(flags: Flags, name: keyof Flags, integer = false): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || (integer && !Number.isInteger(x)))
    throw new Error(`--${name} must be a${integer ? "n integer" : " number"}, got "${v}"`);
  return x;
}

/** The protocols the flags ask for. */
export function protocolsFromFlags(flags: Flags, http: boolean): EvalProtocol[] {
  const n = num(flags, "n", true);
  const names = (flags.protocol ?? (n !== undefined ? "avg" : "paper")).split(",").filter(Boolean);
  const over = {
    temperature: num(flags, "temperature"),
    topP: num(flags, "top-p"),
    seed: num(flags, "seed", true),
    maxNewTokens: num(flags, "max-tokens", true) ?? (http ? 32768 : 1024),
  };
  return names.map((name) => {
    if (name === "paper" && n !== undefined && n !== 1 && names.length === 1) {
      throw new Error("the paper protocol draws n = 1; use --protocol avg (or paper,avg) with --n");
    }
    return resolveProtocol(name, { ...over, n: name === "paper" ? undefined : n });
  });
}

/** Run `open-rs eval`. */
export async function run(argv: string[]): Promise<number> {
  let flags: Flags;
  try {
    flags = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    console.error(`open-rs eval: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  if (!flags.model === !flags["base-url"]) {
    console.error(`open-rs eval: give exactly one of --model DIR or --base-url URL\n\n${HELP}`);
    return 2;
  }
  const baseUrls = flags["base-url"]?.split(",").filter(Boolean) ?? [];
  const protocols = protocolsFromFlags(flags, baseUrls.length > 0);
  const engine = flags.model
    ? await loadLocalEngine(flags.model, {
        tokenizerDir: flags.tokenizer,
        microBatch: num(flags, "micro-batch", true),
      })
    : undefined;
  const modelName = engine ? engine.label : (flags["model-name"] ?? (await servedModelName(baseUrls[0])));
  const out = flags.out ?? path.join("eval-results", `${modelName.replace(/[^\w.-]+/g, "_")}.jsonl`);
  const bars = new Map<string, ProgressBar>();
  const correct = new Map<string, number>();
  const t0 = Date.now();
  let drawn = 0;
  try {
    const runs = await runEvalJob({
      benchmarks: (flags.benchmarks ?? Object.keys(BENCHMARKS).join(",")).split(",").filter(Boolean),
      protocols,
      engine,
      batchSize: num(flags, "batch-size", true),
      http: engine
        ? undefined
        : {
            baseUrls,
            model: modelName,
            api: flags.api as "chat" | "completions" | undefined,
            tokenizer: flags.tokenizer ? HfTokenizer.fromDir(flags.tokenizer) : undefined,
            concurrency: num(flags, "concurrency", true),
            timeoutMs: (num(flags, "timeout") ?? 600) * 1000,
            maxRetries: num(flags, "retries", true),
          },
      out,
      limit: num(flags, "limit", true),
      source: {
        source: flags.source as "auto" | "local" | "hub" | undefined,
        dataDir: flags["data-dir"],
        hub: { cacheDir: flags["cache-dir"], offline: flags.offline },
        mapping: {
          goldField: flags["gold-field"] as "answer" | "solution" | undefined,
          goldKind: flags["gold-kind"] as GoldKind | undefined,
        },
      },
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
    await shutdownVerifier();
  }
}

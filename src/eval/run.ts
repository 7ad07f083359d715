/**
 * One eval job as `open-rs eval` builds it from its flags: benchmarks × protocols against a local engine or
 * servers, results written and resumed.
 */
import { type BenchmarkSourceOptions, loadBenchmark } from "./benchmark-source";
import { type Benchmark, limitBenchmark } from "./benchmarks";
import type { TextEngine } from "./engine";
import { type EvalRun, evaluate, type Scorer } from "./evaluate";
import { HttpRunner, type HttpRunnerOptions, v1Root } from "./http-runner";
import { InProcessRunner } from "./inprocess-runner";
import type { EvalProtocol } from "./protocol";
import { ResultsFile, type SampleRecord } from "./results";
import type { Runner } from "./runner";

/** Everything one eval needs; what `open-rs eval` builds from its flags. */
export interface EvalJob {
  /** Benchmark names or file paths. */
  benchmarks: string[];
  /** One or more protocols, evaluated in order (e.g. paper then avg@16). */
  protocols: EvalProtocol[];
  /** In-process: a loaded local model. Exactly one of `engine` / `http`. */
  engine?: TextEngine;
  /** In-process prompts per generate call. */
  batchSize?: number;
  /** HTTP: runner options (base URLs, model name, api, concurrency, retries…). */
  http?: HttpRunnerOptions;
  /** Results JSONL (append + resume). */
  out?: string;
  /** First K problems of each benchmark. */
  limit?: number;
  /** Data sources. */
  source?: BenchmarkSourceOptions;
  scorer?: Scorer;
  /** Progress hooks (the CLI draws bars with them). */
  onBenchmarkStart?: (protocol: string, benchmark: string, total: number, reused: number) => void;
  onSample?: (protocol: string, benchmark: string, record: SampleRecord) => void;
  signal?: AbortSignal;
}

/** Loads the benchmarks, picks the runner, and evaluates each protocol in turn. */
export async function runEvalJob(job: EvalJob): Promise<EvalRun[]> {
  if (!!job.engine === !!job.http)
    throw new Error("eval: give exactly one of a local model (--model) or a server (--base-url)");
  const benches: Benchmark[] = [];
  for (const b of job.benchmarks) benches.push(limitBenchmark(await loadBenchmark(b, job.source), job.limit));
  const runner: Runner = job.engine
    ? new InProcessRunner(job.engine, { batchSize: job.batchSize })
    : new HttpRunner(job.http!);
  const modelLabel = job.engine ? job.engine.label : job.http!.model;
  const results = job.out ? new ResultsFile(job.out) : undefined;
  const runs: EvalRun[] = [];
  for (const protocol of job.protocols) {
    runs.push(
      await evaluate({
        benchmarks: benches,
        protocol,
        runner,
        modelLabel,
        results,
        scorer: job.scorer,
        signal: job.signal,
        onBenchmarkStart: (b, total, reused) => job.onBenchmarkStart?.(protocol.name, b, total, reused),
        onSample: (b, r) => job.onSample?.(protocol.name, b, r),
      }),
    );
  }
  return runs;
}

/** The first model a server lists on `/v1/models` (vLLM and `open-rs serve` name it after the checkpoint). */
export async function servedModelName(baseUrl: string, opts: { headers?: Record<string, string> } = {}) {
  const url = `${v1Root(baseUrl)}/models`;
  let res: Response;
  try {
    res = await fetch(url, { headers: opts.headers, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new Error(`cannot reach ${url} (${(e as Error).message}); is the server up? Or pass --model-name`);
  }
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}; pass --model-name`);
  const j = (await res.json()) as { data?: { id?: unknown }[] };
  const id = j.data?.[0]?.id;
  if (typeof id !== "string") throw new Error(`${url} lists no model; pass --model-name`);
  return id;
}

// biome-ignore-all assist/source/organizeImports: the public API is grouped by topic (see the comments), not sorted
/**
 * open-rs-ts: the public API. What a notebook imports is the public API, so notebooks import only from here
 * (`import { ... } from "./src/index"`). Kept small and grouped; each group re-exports from its module.
 * Everything else under src/ is internal and may change.
 */

export const VERSION = "0.1.0";

// Backend: pick and start the tfjs backend (tensorflow → wasm → cpu; OPEN_RS_BACKEND overrides).
export type { BackendInfo, BackendName } from "./backend/select";
export { describeBackends, initBackend } from "./backend/select";

// Model and tokenizer: a Qwen2 causal LM on tfjs (HF directories in and out) and an HF tokenizer with its
// chat template.
export { countParameters } from "./model/config";
export { Qwen2ForCausalLM } from "./model/qwen2";
export type { CausalLM } from "./model/types";
export { HfTokenizer } from "./tokenizer/tokenizer";
export type { ChatMessage, TokenizerLike } from "./tokenizer/types";

// Sampling: batched generation with a KV cache (temperature, top-p, EOS, seeded).
export { generate } from "./sampler/generate";
export type { GenerateOptions, GenerateResult } from "./sampler/types";
export { Rng } from "./util/rng";

// Rewards and verification: the open-rs / open-r1 reward registry and Math-Verify-grade answer checking.
export type { RewardFn, WeightedReward } from "./rewards/index";
export { registerReward, resolveRewards, rewardKeys, scoreRewards } from "./rewards/index";
export { parse as parseAnswer, verify, verifyStrings } from "./verify/index";

// Data: one loader for JSONL/Parquet/hub, the Open-RS sets, seeded mixtures, statistics (arquero tables) and
// the synthetic math curriculum.
export { decontaminate } from "./data/decontam";
export { dedupe, findDuplicates } from "./data/dedup";
export { filterByDifficulty } from "./data/difficulty";
export { runnerSampler } from "./data/difficulty-sampler";
export { loadDataset, loadRows } from "./data/loader";
export type { MixComponent } from "./data/mix";
export { mixDatasets } from "./data/mix";
export { BENCHMARK_NAMES, loadOpenRs, sharedDataDir, sharedDataFile } from "./data/open-rs";
export { buildPrompts, OPEN_RS_SYSTEM_PROMPT, OPEN_RS_SYSTEM_PROMPT_BASE } from "./data/prompt";
export type { MathRow } from "./data/schema";
export { answerTypes, countsBySourceLevel, promptLengthStats, summarizeLengths } from "./data/stats";
export type { SynthRow, SynthSplits } from "./data/synthetic/index";
export { generateRows, makeSplits } from "./data/synthetic/index";

// GRPO: the TRL-named config, the Open-RS recipe loader, `train()` (a steerable run handle) and checkpoints.
export { latestCheckpoint, listCheckpoints } from "./grpo/checkpoint";
export type { GrpoConfig } from "./grpo/config";
export { GRPO_DEFAULTS } from "./grpo/config";
export { loadGrpoConfig, resolveGrpoConfig } from "./grpo/config-resolve";
export type { StepMetrics } from "./grpo/metrics";
export type { LiveUpdate, RunHandle, RunStatus, RunSummary, TrainOptions } from "./grpo/run";
export { runs, train } from "./grpo/train";
export { jobs, stopAll } from "./control/registry";
export { InterruptedError } from "./control/interrupt";

// SFT: supervised fine-tuning on completion tokens (warm-starts a model before GRPO).
export type { SftConfig, SftResult } from "./sft/index";
export { encodeSftPair, trainSft } from "./sft/index";

// Eval: benchmarks, the paper's protocol and avg@n, the in-process runner, score tables and Table 1.
export type { Benchmark } from "./eval/benchmarks";
export { benchmarkFromRows, limitBenchmark, loadLocalBenchmark } from "./eval/benchmarks";
export { localEngine, type TextEngine } from "./eval/engine";
export { type EvalRun, evaluate } from "./eval/evaluate";
export { HttpRunner } from "./eval/http-runner";
export { InProcessRunner } from "./eval/inprocess-runner";
export { loadLocalEngine } from "./eval/local-model";
export { AVG_PROTOCOL, type EvalProtocol, PAPER_PROTOCOL, resolveProtocol } from "./eval/protocol";
export { PAPER_TABLE1, paperComparison, scoreRows, scoreTable } from "./eval/report";

// Quickstart: the quickstart/experiment recipes and the held-out evaluation (the training prompt, avg@n); the
// embedded tiny-r1 model's directory and its curriculum splits.
export type { HeldoutResult } from "./quickstart/eval";
export { evalHeldout, pairedDelta } from "./quickstart/eval";
export { loadQuickstartConfig, type QuickstartConfig } from "./quickstart/config";
export { TINY_MODEL_DIR, tinySplits } from "./tiny/recipe";

// Kernel helpers: charts, tables, progress, the live dashboard and notebook parameters.
export * from "./kernel-helpers/index";

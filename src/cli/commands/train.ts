/**
 * `open-rs train --config recipe.yaml [--resume | --resume-from DIR] [--set key=value ...]`: GRPO training
 * from a TRL/open-r1-style YAML recipe (Open-RS's `recipes/grpo.yaml` loads as it is). A progress bar on
 * stderr shows step, reward, length, KL and ETA; Ctrl-C writes a checkpoint at the next step boundary and
 * exits cleanly (a second Ctrl-C exits at once).
 */
import { BACKEND_NAMES, initBackend } from "../../backend/select";
import { latestCheckpoint } from "../../grpo/checkpoint";
import { parseOverrides } from "../../grpo/config-resolve";
import type { StepMetrics } from "../../grpo/metrics";
import { train } from "../../grpo/train";
import { ProgressBar } from "../../kernel-helpers/progress";
import { Qwen2ForCausalLM } from "../../model/qwen2";
import { HfTokenizer } from "../../tokenizer/tokenizer";
import { enumFlag, numberFlag, parseFlags, runCommand, UsageError } from "../errors";
import { checkBounds, loadTrainRecipe, loadTrainRows, resolveModel } from "../train-inputs";

/** One line for the usage listing. */
export const summary = "GRPO training from a YAML recipe (TRL/open-r1 keys), resumable, Ctrl-C checkpoints";

const HELP = `Usage: open-rs train --config FILE.yaml [options]

  --config FILE        YAML recipe with TRL/open-r1 keys (e.g. configs/open-rs-grpo.yaml); a quickstart or
                       experiment file's quickstart: block is accepted (configs/quickstart.yaml)
  --set key=value      override one key (YAML value; repeatable), e.g. --set max_steps=20 --set beta=0
  --resume             continue the run in output_dir: from its newest checkpoint-<step> (or from its start,
                       dropping its old rows, when it has none); --set may change only what a resume allows
                       (learning_rate, max_steps, ...); other changes are refused with the reason
  --resume-from DIR    continue from this checkpoint directory
  --overwrite-output-dir  delete another run's files in output_dir first (a fresh run refuses them otherwise)
  --workers N          worker threads, one model replica each (default: OPEN_RS_WORKERS, else the cores)
  --model DIR          local HF model directory (default: model_name_or_path, else data/models/tiny-r1)
  --tokenizer DIR      tokenizer directory (default: the model directory)
  --dataset SRC        JSONL/Parquet path or hub dataset id (default: dataset_name, split dataset_train_split,
                       else the synthetic curriculum's training rows)
  --on-bad-row skip|fail   a dataset row without problem/answer: skip it with a warning (default) or stop
  --backend NAME       tensorflow, wasm or cpu (default: the first that loads; see open-rs info)
Outputs in output_dir: metrics.jsonl (TRL metric names), completions.jsonl (log_completions), checkpoint-<step>/.`;

const OPTIONS = {
  config: { type: "string" },
  set: { type: "string", multiple: true },
  resume: { type: "boolean" },
  "resume-from": { type: "string" },
  model: { type: "string" },
  tokenizer: { type: "string" },
  dataset: { type: "string" },
  backend: { type: "string" },
  "on-bad-row": { type: "string" },
  "overwrite-output-dir": { type: "boolean" },
  workers: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The progress line's info text: reward, mean length, KL. */
export function progressInfo(m: StepMetrics): string {
  const f = (k: string, d = 3) => (typeof m[k] === "number" ? (m[k] as number).toFixed(d) : "–");
  return `reward ${f("reward")} · len ${f("completions/mean_length", 0)} · kl ${f("kl", 4)}`;
}

/** Parse argv, load everything, train; resolves to the exit code. */
export function run(argv: string[]): Promise<number> {
  return runCommand("train", () => trainMain(argv));
}

async function trainMain(argv: string[]): Promise<number> {
  const values = parseFlags(argv, OPTIONS);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!values.config)
    throw new UsageError("--config FILE.yaml is required, e.g. --config configs/quickstart.yaml");
  if (values.resume && values["resume-from"])
    throw new UsageError("give --resume or --resume-from DIR, not both");
  return trainFromArgs({
    ...values,
    config: values.config,
    backend: enumFlag("backend", values.backend, BACKEND_NAMES),
    onBadRow: enumFlag("on-bad-row", values["on-bad-row"], ["skip", "fail"] as const),
    overrides: {
      ...setFlags(values.set ?? []),
      ...(values["overwrite-output-dir"] ? { overwrite_output_dir: true } : {}),
    },
    workers:
      values.workers === undefined
        ? undefined
        : numberFlag("workers", values.workers, { integer: true, min: 0 }),
  });
}

/** `--set key=value` items; a malformed one is a usage error. */
function setFlags(items: string[]): Record<string, unknown> {
  try {
    return parseOverrides(items);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function trainFromArgs(values: {
  config: string;
  overrides: Record<string, unknown>;
  resume?: boolean;
  "resume-from"?: string;
  model?: string;
  tokenizer?: string;
  dataset?: string;
  backend?: (typeof BACKEND_NAMES)[number];
  onBadRow?: "skip" | "fail";
  workers?: number;
}): Promise<number> {
  const warn = (m: string) => process.stderr.write(`${m}\n`);
  const recipe = loadTrainRecipe(values.config, values.overrides, warn);
  const { config } = recipe;
  const modelInfo = resolveModel(values.model, config, warn);
  const backend = await initBackend(values.backend ? { backend: values.backend } : {});
  checkBounds(config, modelInfo, backend.chosen);
  const dataset = await loadTrainRows(values.dataset, recipe, { onBadRow: values.onBadRow, warn }, warn);
  const modelDir = modelInfo.dir;
  const tokenizerDir = values.tokenizer ?? modelDir;
  const tokenizer = HfTokenizer.fromDir(tokenizerDir);
  const model = await Qwen2ForCausalLM.fromPretrained(modelDir);
  const resumeFrom =
    values["resume-from"] ?? (values.resume ? latestCheckpoint(config.output_dir) : undefined);
  if (values.resume && !resumeFrom)
    warn(`open-rs train: no checkpoint in ${config.output_dir}; restarting its run from step 0`);
  const handle = train(
    config,
    { model, tokenizer, dataset, tokenizerDir },
    { resumeFrom: resumeFrom ?? undefined, resume: Boolean(values.resume), workers: values.workers },
  );
  const bar = new ProgressBar(handle.totalSteps, { label: "GRPO" });
  handle.on("step", (m) => bar.update(m.step, progressInfo(m)));
  handle.on("checkpoint", (p) => warn(`\ncheckpoint: ${p}`));
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    warn("\nCtrl-C: writing a checkpoint at the end of this step, then stopping (Ctrl-C again to quit now)");
    void handle.checkpoint();
    handle.stop();
  };
  process.on("SIGINT", onSigint);
  try {
    const s = await handle.done;
    warn(
      `\n${s.stopped ? "stopped" : "finished"} at step ${s.steps}${s.lastCheckpoint ? `; last checkpoint ${s.lastCheckpoint}` : ""}`,
    );
    return 0;
  } finally {
    process.off("SIGINT", onSigint);
    model.dispose();
  }
}

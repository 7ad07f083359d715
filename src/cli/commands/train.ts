/**
 * `open-rs train --config recipe.yaml [--resume | --resume-from DIR] [--set key=value ...]`: GRPO training
 * from a TRL/open-r1-style YAML recipe (Open-RS's `recipes/grpo.yaml` loads as it is). A progress bar on
 * stderr shows step, reward, length, KL and ETA; Ctrl-C writes a checkpoint at the next step boundary and
 * exits cleanly (a second Ctrl-C exits at once).
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { type BackendName, initBackend } from "../../backend/select";
import { loadRows } from "../../data/loader";
import { latestCheckpoint } from "../../grpo/checkpoint";
import { loadGrpoConfig, parseOverrides } from "../../grpo/config-resolve";
import type { StepMetrics } from "../../grpo/metrics";
import { train } from "../../grpo/train";
import { ProgressBar } from "../../kernel-helpers/progress";
import { Qwen2ForCausalLM } from "../../model/qwen2";
import { HfTokenizer } from "../../tokenizer/tokenizer";

/** One line for the usage listing. */
export const summary = "GRPO training from a YAML recipe (TRL/open-r1 keys), resumable, Ctrl-C checkpoints";

const HELP = `Usage: open-rs train --config FILE.yaml [options]

  --config FILE        YAML recipe with TRL/open-r1 keys (e.g. configs/open-rs-grpo.yaml)
  --set key=value      override one key (YAML value; repeatable), e.g. --set max_steps=20 --set beta=0
  --resume             continue the run in output_dir: from its newest checkpoint-<step> (or from its start,
                       dropping its old rows, when it has none); --set may change only the settings a
                       resume allows (learning_rate, max_steps, ...), others are refused with the reason
  --resume-from DIR    continue from this checkpoint directory
  --overwrite-output-dir  delete another run's files in output_dir first (a fresh run refuses them otherwise)
  --workers N          worker threads, one model replica each (default: OPEN_RS_WORKERS, else the cores)
  --model DIR          local HF model directory (default: model_name_or_path)
  --tokenizer DIR      tokenizer directory (default: the model directory)
  --dataset SRC        JSONL/Parquet path or hub dataset id (default: dataset_name, split dataset_train_split)
  --backend NAME       tfjs backend (default: the project's choice)
Outputs in output_dir: metrics.jsonl (TRL metric names), completions.jsonl (log_completions), checkpoint-<step>/.`;

const OPTIONS = {
  config: { type: "string" },
  set: { type: "string", multiple: true },
  resume: { type: "boolean" },
  "resume-from": { type: "string" },
  "overwrite-output-dir": { type: "boolean" },
  workers: { type: "string" },
  model: { type: "string" },
  tokenizer: { type: "string" },
  dataset: { type: "string" },
  backend: { type: "string" },
  help: { type: "boolean" },
} as const;

/** The progress line's info text: reward, mean length, KL. */
export function progressInfo(m: StepMetrics): string {
  const f = (k: string, d = 3) => (typeof m[k] === "number" ? (m[k] as number).toFixed(d) : "–");
  return `reward ${f("reward")} · len ${f("completions/mean_length", 0)} · kl ${f("kl", 4)}`;
}

/** Parse argv, load everything, train; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!values.config) {
    process.stderr.write(`open-rs train: --config is required\n\n${HELP}\n`);
    return 2;
  }
  try {
    return await trainFromArgs(values);
  } catch (err) {
    process.stderr.write(`\nopen-rs train: ${(err as Error).message}\n`);
    return 1;
  }
}

async function trainFromArgs(values: {
  config?: string;
  set?: string[];
  resume?: boolean;
  "resume-from"?: string;
  "overwrite-output-dir"?: boolean;
  workers?: string;
  model?: string;
  tokenizer?: string;
  dataset?: string;
  backend?: string;
}): Promise<number> {
  const warn = (m: string) => process.stderr.write(`${m}\n`);
  const overrides = parseOverrides(values.set ?? []);
  if (values["overwrite-output-dir"]) overrides.overwrite_output_dir = true;
  const { config } = loadGrpoConfig(values.config!, overrides, { warn });
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  const modelDir = values.model ?? config.model_name_or_path;
  if (!modelDir || !existsSync(modelDir)) {
    throw new Error(
      `model directory ${modelDir ?? "(none)"} not found; pass --model DIR or set model_name_or_path to a local HF directory`,
    );
  }
  const dataSrc = values.dataset ?? config.dataset_name;
  if (!dataSrc) throw new Error("no dataset: pass --dataset SRC or set dataset_name");
  await initBackend(values.backend ? { backend: values.backend as BackendName } : {});
  const model = await Qwen2ForCausalLM.fromPretrained(modelDir);
  const tokenizerDir = values.tokenizer ?? modelDir;
  const tokenizer = HfTokenizer.fromDir(tokenizerDir);
  const dataset = await loadRows(
    existsSync(dataSrc) ? dataSrc : { hub: dataSrc, split: config.dataset_train_split },
  );
  const resumeFrom =
    values["resume-from"] ?? (values.resume ? latestCheckpoint(config.output_dir) : undefined);
  if (values.resume && !resumeFrom)
    warn(`open-rs train: no checkpoint in ${config.output_dir}; restarting its run from step 0`);
  const handle = train(
    config,
    { model, tokenizer, dataset, tokenizerDir },
    { resumeFrom: resumeFrom ?? undefined, resume: Boolean(values.resume), workers },
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

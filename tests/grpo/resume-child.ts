/**
 * Child process for the resume / crash tests (run with `node --import tsx`). argv: mode outDir [steps].
 * - `train <out> <n> [resume]`: build the toy trainer, optionally resume from the latest checkpoint, train
 *   until step n (checkpoint every 3 steps), write final weights to <out>/weights.json.
 * - `crash <out>`: resume the latest checkpoint, train one step, and hang in the middle of writing the next
 *   checkpoint (after the temporary write, before the rename), printing "WRITING" so the parent can kill -9.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { latestCheckpoint } from "../../src/grpo/checkpoint";
import type { GrpoConfig } from "../../src/grpo/config";
import { resolveGrpoConfig } from "../../src/grpo/config-resolve";
import { readTrainerCheckpoint, saveTrainerCheckpoint } from "../../src/grpo/resume";
import { GrpoTrainer } from "../../src/grpo/trainer";
import { sevenReward, toyConfig, toyDataset, toyModel, toyTokenizer, useCpu } from "./toy";

/**
 * Restore `dir` into `t` (built from the same initial model, config and dataset): weights, optimizer, prompt
 * order and counters; metrics/completions lines after the checkpoint's step are dropped. Returns the saved
 * config (the live config is the caller's choice: see {@link resumeConfig}).
 */
export async function resumeTrainer(t: GrpoTrainer, dir: string): Promise<GrpoConfig> {
  const s = await readTrainerCheckpoint(dir);
  await t.setState(s);
  t.truncateOutputs(s.step);
  return s.config;
}

export function makeTrainer(out: string, extra: Record<string, unknown> = {}): GrpoTrainer {
  const { config } = resolveGrpoConfig({
    ...toyConfig,
    output_dir: out,
    save_steps: 3,
    save_total_limit: 2,
    log_completions: true,
    ...extra,
  });
  return new GrpoTrainer(config, {
    model: toyModel(1),
    tokenizer: toyTokenizer,
    dataset: toyDataset,
    rewards: [sevenReward],
  });
}

/** Train the toy task in `out` up to step `n` (checkpoint every 3 steps), optionally resuming; write weights.json. */
export async function trainTo(out: string, n: number, resume: boolean): Promise<void> {
  await useCpu();
  const t = makeTrainer(out);
  const ckpt = latestCheckpoint(out);
  if (resume && ckpt) await resumeTrainer(t, ckpt);
  while (t.step < n) {
    await t.trainStep();
    if (t.step % t.config.save_steps === 0) await saveTrainerCheckpoint(t);
  }
  const weights = t.model!.trainableVariables().map((v) => Array.from(v.dataSync()));
  writeFileSync(join(out, "weights.json"), JSON.stringify(weights));
  t.dispose();
  t.model!.dispose();
}

async function main(): Promise<void> {
  const [mode, out, nArg, flag] = process.argv.slice(2);
  if (mode === "train") return trainTo(out, Number(nArg), flag === "resume");
  await useCpu();
  const t = makeTrainer(out);
  const ckpt = latestCheckpoint(out);
  if (ckpt) await resumeTrainer(t, ckpt);
  await t.trainStep();
  await saveTrainerCheckpoint(t, {
    beforeCommit: () => {
      process.stdout.write("WRITING\n");
      return new Promise<void>(() => {}); // hang here until killed
    },
  });
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

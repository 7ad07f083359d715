/**
 * What `open-rs train` resolves before any work: the recipe (a GRPO YAML, or a quickstart/experiment YAML with
 * its `quickstart:` block), the model directory and its config.json (tiny-r1 when the recipe names none),
 * the bounds (context, memory), and the training rows (the synthetic curriculum when the recipe names none).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { type LoadOptions, loadDataset, resolveDataSource } from "../data/loader";
import type { MathRow } from "../data/schema";
import { backendMemoryBudget, checkTrainBounds } from "../grpo/bounds";
import type { GrpoConfig } from "../grpo/config";
import { loadGrpoConfig } from "../grpo/config-resolve";
import { parseQwen2Config, type Qwen2Config } from "../model/config";
import { loadQuickstartConfig, type QuickstartSpec } from "../quickstart/config";
import { TINY_MODEL_DIR, tinySplits } from "../tiny/recipe";

/** A loaded recipe: the GRPO config, and the quickstart block when the file has one. */
export interface TrainRecipe {
  config: Readonly<GrpoConfig>;
  quickstart?: QuickstartSpec;
}

/** Reads `file`; a `quickstart:` block (configs/quickstart.yaml, configs/experiment-*.yaml) is accepted. */
export function loadTrainRecipe(
  file: string,
  overrides: Record<string, unknown>,
  warn: (m: string) => void,
): TrainRecipe {
  if (!existsSync(file)) throw new Error(`--config ${file}: no such file`);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, "utf8"));
  } catch {
    raw = undefined; // loadGrpoConfig reports the YAML error with the file name
  }
  const hasBlock = typeof raw === "object" && raw !== null && Object.hasOwn(raw, "quickstart");
  if (!hasBlock) return { config: loadGrpoConfig(file, overrides, { warn }).config };
  const q = loadQuickstartConfig(file, overrides);
  for (const w of q.warnings) warn(w);
  return { config: q.grpo, quickstart: q.spec };
}

/** The model directory (flag, then model_name_or_path, then tiny-r1) and its parsed config.json. */
export function resolveModel(
  flag: string | undefined,
  config: Readonly<GrpoConfig>,
  note: (m: string) => void,
): { dir: string; cfg: Qwen2Config } {
  const dir = flag ?? config.model_name_or_path ?? TINY_MODEL_DIR;
  if (!flag && !config.model_name_or_path)
    note(`open-rs train: model ${dir} (the recipe names no model_name_or_path)`);
  const from = flag ? "--model" : config.model_name_or_path ? "model_name_or_path" : "the default model";
  if (!existsSync(dir)) {
    throw new Error(
      `model directory ${dir} (${from}) not found; pass --model DIR or set model_name_or_path to a local Hugging Face directory`,
    );
  }
  const file = join(dir, "config.json");
  if (!existsSync(file))
    throw new Error(`${dir} (${from}): no config.json; not a Hugging Face model directory`);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return { dir, cfg: parseQwen2Config(json, file) };
}

/** Context and memory bounds for this model on this backend; throws naming the settings to lower. */
export function checkBounds(
  config: Readonly<GrpoConfig>,
  model: { dir: string; cfg: Qwen2Config },
  backend: string,
) {
  const budget = backendMemoryBudget(backend);
  return checkTrainBounds(config, model.cfg, {
    budgetBytes: budget?.bytes,
    budgetName: budget?.name,
    source: join(model.dir, "config.json"),
  });
}

/**
 * Training rows: the flag, then `dataset_name` (a local JSONL/Parquet file, or a hub id with
 * `dataset_train_split`), else the synthetic curriculum's training split (the quickstart's `train_levels`).
 */
export async function loadTrainRows(
  flag: string | undefined,
  recipe: TrainRecipe,
  opts: Pick<LoadOptions, "onBadRow" | "warn">,
  note: (m: string) => void,
): Promise<MathRow[]> {
  const src = flag ?? recipe.config.dataset_name;
  if (!src) {
    const levels = recipe.quickstart?.train_levels ?? "mix";
    const rows = tinySplits().train.filter((r) => levels === "mix" || r.level === levels);
    note(
      `open-rs train: ${rows.length} synthetic training rows (${levels}; the recipe names no dataset_name)`,
    );
    return rows;
  }
  const { rows } = await loadDataset(resolveDataSource(src, recipe.config.dataset_train_split), opts);
  return rows;
}

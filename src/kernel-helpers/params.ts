/**
 * A notebook's parameters from the YAML recipes: the miniature's (configs/quickstart.yaml,
 * configs/experiment-*.yaml, with their `quickstart:` block) or the paper's (configs/open-rs-*.yaml), plus the
 * OPEN_RS_NB_* environment overrides that `npm run reports` and the tests use to shrink a run, applied in one
 * place ({@link applyNotebookOverrides}).
 */
import { basename, join } from "node:path";
import type { GrpoConfig } from "../grpo/config";
import { loadGrpoConfig, resolveGrpoConfig } from "../grpo/config-resolve";
import { loadQuickstartConfig } from "../quickstart/config";
import { TINY_MODEL_DIR } from "../tiny/recipe";
import { envChoice } from "./notebook";

/** The two scales every notebook runs at. */
export type Scale = "mini" | "paper";

/** One eval set: a key for file names (`eval-<key>-step<N>.jsonl`), a label, and how many problems. */
export interface EvalSetSpec {
  key: string;
  label: string;
  /** The first N problems of the set. */
  problems: number;
}

/** How a notebook evaluates: held-out sets (mini) or MATH-500 (paper), avg@n with the paper's sampling. */
export interface NotebookEval {
  /** Eval sets and their sizes. */
  sets: EvalSetSpec[];
  /** Samples per problem. */
  n: number;
  temperature: number;
  topP: number;
  maxNewTokens: number;
}

/** What the parameters cell gives to the rest of the notebook. */
export interface NotebookParams {
  scale: Scale;
  /** The model directory. */
  model: string;
  /** The recipe file the GRPO config came from. */
  recipe: string;
  /** Which training rows: the synthetic curriculum's Hard rows, Easy rows, the 6 : 1 mixture; or open-rs. */
  data: "Hard" | "Easy" | "mix" | "open-rs" | "open-rs Hard";
  /** The validated GRPO config (TRL names), `output_dir` under the runs folder. */
  grpo: Readonly<GrpoConfig>;
  /** Eval sets (mini: held-out Hard and Easy; paper: MATH-500 when ../shared/data has it) and sampling. */
  eval: NotebookEval;
  /** Redraw the live dashboard every N steps. */
  dashboardEvery: number;
  /** One line saying all of the above. */
  summary: string;
}

/** The parameters cell's argument. */
export interface NotebookSpec {
  /** The notebook's name: its runs go to `<runs>/<name>` (`<name>-paper` at the paper scale). */
  name: string;
  /** "mini" (tiny-r1, CPU) or "paper" (the 1.5B model, GPU); OPEN_RS_NB_SCALE overrides it. */
  scale?: Scale;
  /** The miniature's recipe: a quickstart/experiment YAML, optionally with GRPO keys to change in it. */
  mini: Recipe;
  /** The paper's recipe: an Open-RS YAML (configs/open-rs-*.yaml), optionally with keys to change. */
  paper: Recipe;
  /** GRPO keys to change at either scale (TRL names), e.g. `{ learning_rate: 2e-4 }`. */
  overrides?: Record<string, unknown>;
  /** Eval sampling to change at either scale (n, temperature, topP, maxNewTokens). */
  eval?: Partial<Omit<NotebookEval, "sets">>;
}

/** A recipe file, or a recipe file and the GRPO keys to change in it. */
export type Recipe = string | readonly [string, Record<string, unknown>];

/** The runs folder: OPEN_RS_NB_RUNS, else reports/runs. */
export function runsDir(env: NotebookEnv = notebookEnv()): string {
  return env.runs ?? "reports/runs";
}

/** The OPEN_RS_NB_* variables (unset ones are absent). */
export interface NotebookEnv {
  steps?: number;
  evalProblems?: number;
  evalSamples?: number;
  maxTokens?: number;
  model?: string;
  runs?: string;
}

/** Read the OPEN_RS_NB_* variables (a set but non-numeric count throws, naming the variable). */
export function notebookEnv(env: NodeJS.ProcessEnv = process.env): NotebookEnv {
  const out: NotebookEnv = {};
  const num = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === "") return undefined;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name}=${JSON.stringify(raw)} is not a count`);
    return v;
  };
  const set = <K extends keyof NotebookEnv>(k: K, v: NotebookEnv[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set("steps", num("OPEN_RS_NB_STEPS"));
  set("evalProblems", num("OPEN_RS_NB_EVAL_PROBLEMS"));
  set("evalSamples", num("OPEN_RS_NB_EVAL_SAMPLES"));
  set("maxTokens", num("OPEN_RS_NB_MAX_TOKENS"));
  set("model", env.OPEN_RS_NB_MODEL || undefined);
  set("runs", env.OPEN_RS_NB_RUNS || undefined);
  return out;
}

/**
 * Shrink (or grow) a run as the environment asks: steps, completion cap (training and evals), eval problems
 * and samples, the model. When the step count shrinks below `save_steps`, checkpoints are saved at half the
 * run (so the checkpoint evals still have something to evaluate).
 */
export function applyNotebookOverrides(
  grpo: Record<string, unknown>,
  ev: NotebookEval,
  env: NotebookEnv,
): { grpo: Record<string, unknown>; eval: NotebookEval } {
  const g = { ...grpo };
  const e = { ...ev };
  if (env.steps !== undefined) {
    g.max_steps = env.steps;
    const save = Number(g.save_steps ?? 0);
    if (save > 0 && save > env.steps / 2) g.save_steps = Math.max(1, Math.floor(env.steps / 2));
  }
  if (env.maxTokens !== undefined) {
    g.max_completion_length = Math.min(Number(g.max_completion_length), env.maxTokens);
    e.maxNewTokens = Math.min(e.maxNewTokens, env.maxTokens);
  }
  if (env.evalProblems !== undefined) {
    const p = env.evalProblems;
    e.sets = e.sets.map((x) => ({ ...x, problems: p }));
  }
  if (env.evalSamples !== undefined) e.n = env.evalSamples;
  return { grpo: g, eval: e };
}

/** The paper's eval sampling (T 0.6, top-p 0.95, one sample) with far fewer tokens than its 32,768. */
export const PAPER_NOTEBOOK_EVAL: Readonly<NotebookEval> = Object.freeze({
  sets: [{ key: "math500", label: "MATH-500", problems: 100 }],
  n: 1,
  temperature: 0.6,
  topP: 0.95,
  maxNewTokens: 4096,
});

/**
 * The parameters of a notebook: the recipe of its scale, the notebook's own overrides, then the environment's.
 * Prints the one-line summary.
 */
export function notebookParams(spec: NotebookSpec, env: NotebookEnv = notebookEnv()): NotebookParams {
  const scale = envChoice("OPEN_RS_NB_SCALE", ["mini", "paper"] as const, spec.scale ?? "mini");
  const runs = runsDir(env);
  const [file, own] =
    typeof spec[scale] === "string"
      ? [spec[scale] as string, {}]
      : (spec[scale] as [string, Record<string, unknown>]);
  let grpo: Record<string, unknown>;
  let ev: NotebookEval;
  let data: NotebookParams["data"];
  let model: string;
  if (scale === "mini") {
    const q = loadQuickstartConfig(file);
    grpo = { ...q.grpo };
    const qe = q.spec.eval;
    ev = {
      sets: [
        { key: "hard", label: "held-out Hard", problems: q.spec.eval_hard },
        { key: "easy", label: "held-out Easy", problems: q.spec.eval_easy },
      ].filter((x) => x.problems > 0),
      n: qe.n ?? 8,
      temperature: qe.temperature ?? 0.6,
      topP: qe.topP ?? 0.95,
      maxNewTokens: qe.maxNewTokens ?? Number(grpo.max_completion_length),
    };
    data = q.spec.train_levels;
    model = env.model ?? TINY_MODEL_DIR;
  } else {
    const { config } = loadGrpoConfig(file);
    grpo = { ...config };
    ev = { ...PAPER_NOTEBOOK_EVAL, sets: [...PAPER_NOTEBOOK_EVAL.sets] };
    // open-s1 (Experiment 1) is not in ../shared/data; its hardest problems are part of open-rs, whose Hard rows stand in
    data = config.dataset_name === "knoveleng/open-s1" ? "open-rs Hard" : "open-rs";
    const hub = config.model_name_or_path ?? "DeepSeek-R1-Distill-Qwen-1.5B";
    model = env.model ?? join("data/models", basename(hub));
  }
  const out = `${runs}/${spec.name}${scale === "paper" ? "-paper" : ""}`;
  const shrunk = applyNotebookOverrides(
    { ...grpo, ...own, ...(spec.overrides ?? {}), output_dir: out },
    { ...ev, ...(spec.eval ?? {}) },
    env,
  );
  const { config } = resolveGrpoConfig(shrunk.grpo);
  const e = shrunk.eval;
  const rewards = config.reward_funcs
    .map((f, i) => `${f}${config.reward_weights ? ` ×${config.reward_weights[i]}` : ""}`)
    .join(" + ");
  const summary =
    `scale ${scale}: ${model} · ${file} · data ${data} · ${config.max_steps} GRPO steps · ` +
    `${rewards} · cap ${config.max_completion_length} · eval ${e.sets.map((x) => `${x.label} ${x.problems}`).join(", ")} × ${e.n} samples`;
  console.log(summary);
  return {
    scale,
    model,
    recipe: file,
    data,
    grpo: config,
    eval: e,
    dashboardEvery: scale === "mini" ? 1 : 5,
    summary,
  };
}

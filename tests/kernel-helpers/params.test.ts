import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { evaluationParams, OPEN_RS_MODELS } from "../../src/kernel-helpers/evaluation";
import { applyNotebookOverrides, notebookEnv, notebookParams } from "../../src/kernel-helpers/params";

const ROOT = resolve(__dirname, "../..");
const NOTEBOOKS = join(ROOT, "notebooks");

/** The first code cell of a notebook: its parameters cell. */
function parametersCell(file: string): string {
  const nb = JSON.parse(readFileSync(join(NOTEBOOKS, file), "utf8")) as {
    cells: Array<{ cell_type: string; source: string | string[] }>;
  };
  const c = nb.cells.find((x) => x.cell_type === "code");
  assert.ok(c, `${file} has no code cell`);
  return Array.isArray(c.source) ? c.source.join("") : c.source;
}

describe("notebook parameters", () => {
  const files = readdirSync(NOTEBOOKS).filter((f) => /^\d\d-.*\.ipynb$/.test(f));

  it("every notebook's parameters cell is at most 15 lines and says it is the one to edit", () => {
    assert.ok(files.length >= 6, files.join(", "));
    for (const f of files) {
      const src = parametersCell(f);
      const n = src.split("\n").length;
      assert.ok(n <= 15, `${f}: the parameters cell has ${n} lines`);
      assert.match(src, /Parameters: the one cell to edit/, f);
      assert.doesNotMatch(src, /process\.env/, `${f}: OPEN_RS_NB_* are read by the helpers, not the cell`);
    }
  });

  it("no notebook writes `name: name` for tslab any more", () => {
    for (const f of files) {
      const nb = readFileSync(join(NOTEBOOKS, f), "utf8");
      assert.doesNotMatch(nb, /shorthand properties don't see|model: model|tokenizer: tokenizer/, f);
    }
  });

  it("shrinks a run from the environment: steps, cap, eval sizes; checkpoints at half a shrunk run", () => {
    const env = notebookEnv({
      OPEN_RS_NB_STEPS: "4",
      OPEN_RS_NB_MAX_TOKENS: "32",
      OPEN_RS_NB_EVAL_PROBLEMS: "3",
      OPEN_RS_NB_EVAL_SAMPLES: "2",
      OPEN_RS_NB_RUNS: "/tmp/r",
    });
    assert.deepEqual(env, { steps: 4, evalProblems: 3, evalSamples: 2, maxTokens: 32, runs: "/tmp/r" });
    const out = applyNotebookOverrides(
      { max_steps: 48, save_steps: 12, max_completion_length: 60 },
      {
        sets: [{ key: "hard", label: "h", problems: 60 }],
        n: 4,
        temperature: 0.6,
        topP: 0.95,
        maxNewTokens: 60,
      },
      env,
    );
    assert.deepEqual(out.grpo, { max_steps: 4, save_steps: 2, max_completion_length: 32 });
    assert.equal(out.eval.sets[0].problems, 3);
    assert.equal(out.eval.n, 2);
    assert.equal(out.eval.maxNewTokens, 32);
    // a cap above the recipe's never raises it; save_steps 0 stays 0
    const up = applyNotebookOverrides({ max_completion_length: 60, save_steps: 0 }, out.eval, {
      maxTokens: 999,
      steps: 1,
    });
    assert.equal(up.grpo.max_completion_length, 60);
    assert.equal(up.grpo.save_steps, 0);
    assert.throws(() => notebookEnv({ OPEN_RS_NB_STEPS: "many" }), /OPEN_RS_NB_STEPS="many" is not a count/);
  });

  it("loads the miniature's YAML (with the notebook's own changes) and the paper's recipes", () => {
    const log = console.log;
    console.log = () => {};
    try {
      const mini = notebookParams(
        {
          name: "01-x",
          mini: ["configs/experiment-1.yaml", { save_steps: 12 }],
          paper: "configs/open-rs-experiment-1.yaml",
        },
        { runs: "/tmp/runs" },
      );
      assert.equal(mini.scale, "mini");
      assert.equal(mini.model, "data/models/tiny-r1");
      assert.equal(mini.data, "Hard");
      assert.equal(mini.grpo.save_steps, 12);
      assert.equal(mini.grpo.max_completion_length, 60);
      assert.equal(mini.grpo.output_dir, "/tmp/runs/01-x");
      assert.deepEqual(
        mini.eval.sets.map((s) => [s.key, s.problems]),
        [
          ["hard", 60],
          ["easy", 40],
        ],
      );
      process.env.OPEN_RS_NB_SCALE = "paper";
      const paper = notebookParams(
        { name: "01-x", mini: "configs/experiment-1.yaml", paper: "configs/open-rs-experiment-1.yaml" },
        { runs: "/tmp/runs", steps: 3 },
      );
      assert.equal(paper.scale, "paper");
      assert.equal(paper.model, "data/models/DeepSeek-R1-Distill-Qwen-1.5B");
      assert.equal(paper.data, "open-rs Hard"); // open-s1 is not in ../shared/data
      assert.deepEqual(paper.grpo.reward_funcs, ["format", "accuracy"]);
      assert.equal(paper.grpo.max_completion_length, 4096);
      assert.equal(paper.grpo.learning_rate, 1e-6);
      assert.equal(paper.grpo.max_steps, 3);
      assert.equal(paper.grpo.output_dir, "/tmp/runs/01-x-paper");
      assert.equal(paper.eval.n, 1);
      const shipped = notebookParams(
        { name: "03", mini: "configs/experiment-3.yaml", paper: "configs/open-rs-grpo.yaml" },
        {},
      );
      assert.deepEqual(shipped.grpo.reward_funcs, ["format", "cosine"]);
      assert.equal(shipped.data, "open-rs");
    } finally {
      delete process.env.OPEN_RS_NB_SCALE;
      console.log = log;
    }
  });

  it("04's parameters: the scale's preset, then the environment (problems, samples, tokens, model)", () => {
    const log = console.log;
    console.log = () => {};
    const saved = { ...process.env };
    try {
      const spec = {
        mini: {
          models: [["tiny", "data/models/tiny-r1"]] as Array<[string, string]>,
          runs: ["00-quickstart"],
          syntheticProblems: 40,
          realProblems: 4,
          avgN: 4,
          maxNewTokens: 160,
        },
        paper: {
          models: OPEN_RS_MODELS,
          syntheticProblems: 300,
          realProblems: Number.POSITIVE_INFINITY,
          avgN: 16,
          maxNewTokens: 32768,
        },
      };
      Object.assign(process.env, {
        OPEN_RS_NB_EVAL_PROBLEMS: "2",
        OPEN_RS_NB_EVAL_SAMPLES: "3",
        OPEN_RS_NB_MODEL: "m",
        OPEN_RS_NB_RUNS: "/r",
      });
      const p = evaluationParams(spec);
      assert.deepEqual(
        [p.scale, p.models, p.runs, p.runsDir, p.syntheticProblems, p.realProblems, p.avgN, p.maxNewTokens],
        ["mini", [["tiny", "m"]], ["00-quickstart"], "/r", 2, 2, 3, 160],
      );
      process.env.OPEN_RS_NB_SCALE = "paper";
      delete process.env.OPEN_RS_NB_EVAL_PROBLEMS;
      const q = evaluationParams(spec);
      assert.equal(q.models.length, 4);
      assert.equal(q.realProblems, Number.POSITIVE_INFINITY);
      process.env.OPEN_RS_NB_SCALE = "huge";
      assert.throws(() => evaluationParams(spec), /OPEN_RS_NB_SCALE="huge": use one of mini, paper/);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      console.log = log;
    }
  });
});

/**
 * Notebook 04 with `engine: llama.cpp` (OPEN_RS_NB_ENGINE): every checkpoint is converted to GGUF (cached) and
 * evaluated by llama.cpp in the notebook's kernel process, headless, with the miniature's tiny settings.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { executeNotebook } from "../../scripts/run-notebooks";

describe("notebook 04 on llama.cpp", () => {
  it("evaluates the checkpoints with llama.cpp and prints the tables", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nb04-llama-"));
    try {
      const run = await executeNotebook("04-evaluate", {
        outDir: dir,
        echo: false,
        noStaticImages: true,
        env: {
          OPEN_RS_NB_ENGINE: "llama.cpp",
          OPEN_RS_NB_RUNS: join(dir, "runs"), // no runs: the base model only
          OPEN_RS_NB_EVAL_PROBLEMS: "3",
          OPEN_RS_NB_EVAL_SAMPLES: "2",
          OPEN_RS_NB_MAX_TOKENS: "24",
        },
      });
      assert.ok(run.ok, run.error);
      const html = readFileSync(run.html, "utf8");
      assert.match(html, /· llama\.cpp/, "the parameters line names the engine");
      assert.match(html, /llama\.cpp: loaded .*\.gguf/, "llama.cpp loaded the converted checkpoint");
      assert.match(html, /notebook complete/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A run that fails in a notebook, executed headless and exported to HTML: the dashboard's status line in the
 * report says "run failed" with the cause, in red, where the dashboard was drawn.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { hasNbconvert, jupyterEnv } from "../../scripts/run-notebooks";

const REPO = resolve(__dirname, "../..");
const skip = hasNbconvert() ? false : "jupyter nbconvert is not installed (see scripts/run-notebooks.ts)";

describe("a failed run in a report", { skip }, () => {
  it("the dashboard shows the failure and its cause in red", () => {
    const dir = mkdtempSync(join(tmpdir(), "failed-run-report-"));
    try {
      // the repo's kernel spec starts the kernel at the repo root, wherever the notebook is
      const input = join(__dirname, "../fixtures/notebooks/failed-run.ipynb");
      const env = jupyterEnv({ OPEN_RS_NB_RUNS: join(dir, "runs") });
      const args = (to: string, file: string) => [
        "nbconvert",
        "--to",
        to,
        file,
        "--output-dir",
        dir,
        "--output",
        "failed-run",
      ];
      const exec = spawnSync(
        "jupyter",
        [...args("notebook", input), "--execute", "--ExecutePreprocessor.kernel_name=open-rs"],
        {
          cwd: REPO,
          env,
          encoding: "utf8",
        },
      );
      assert.equal(exec.status, 0, exec.stderr);
      const conv = spawnSync("jupyter", args("html", join(dir, "failed-run.ipynb")), {
        cwd: REPO,
        env,
        encoding: "utf8",
      });
      assert.equal(conv.status, 0, conv.stderr);
      const html = readFileSync(join(dir, "failed-run.html"), "utf8");
      assert.match(html, /run failed as expected: .*the flaky reward broke at its second call/);
      const banner =
        /<div class="open-rs-run-failed" style="([^"]*)"><b>run failed<\/b>[^<]*<br>([^<]*)<\/div>/.exec(
          html,
        );
      assert.ok(banner, "the dashboard's status line reports the failure");
      assert.match(banner[1], /color:#b00020/, "in red");
      assert.match(banner[2], /the flaky reward broke at its second call/, "with the cause");
      assert.match(html, /notebook complete/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A run that fails in a notebook, executed headless (the project's own Jupyter client) and exported to HTML:
 * the dashboard's status line in the report says "run failed" with the cause, in red, where it was drawn.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { executeNotebook } from "../../scripts/run-notebooks";

describe("a failed run in a report", () => {
  it("the dashboard shows the failure and its cause in red", async () => {
    const dir = mkdtempSync(join(tmpdir(), "failed-run-report-"));
    try {
      const run = await executeNotebook(join(__dirname, "../fixtures/notebooks/failed-run.ipynb"), {
        outDir: dir,
        echo: false,
        noStaticImages: true,
        env: { OPEN_RS_NB_RUNS: join(dir, "runs") },
      });
      assert.ok(run.ok, run.error);
      const html = readFileSync(run.html, "utf8");
      assert.match(html, /run failed as expected: .*the flaky reward broke at its second call/);
      const banner =
        /<div class="open-rs-run-failed" style="([^"]*)"><b>run failed<\/b>[^<]*<br>([^<]*)<\/div>/.exec(
          html.replace(/&quot;/g, '"'),
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

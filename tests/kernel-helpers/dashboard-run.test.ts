/**
 * The live dashboard bound to a real GRPO run handle (train() on a tiny random Qwen2), running in the
 * background: the display is redrawn in place as steps land, and `run.update({learning_rate})` made between
 * steps takes effect at the next step, as metrics.jsonl shows, with a marker on the charts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { train } from "../../src/grpo/train";
import { liveDashboard, waitForStep } from "../../src/kernel-helpers/dashboard";
import { RecordingSink } from "../../src/kernel-helpers/display";
import { sevenReward, toyConfig, toyDataset, toyModel, toyTokenizer, useCpu } from "../grpo/toy";

type Fig = { data: unknown[]; layout: { shapes?: Array<{ x0: number }> } };

describe("dashboard on a background run", () => {
  it("updates in place ≥ 3 times and shows run.update({learning_rate}) from the next step", async () => {
    await useCpu();
    const out = mkdtempSync(join(tmpdir(), "dash-run-"));
    const model = toyModel(3);
    const run = train(
      { ...toyConfig, lr_scheduler_type: "constant", learning_rate: 1e-2, max_steps: 5, output_dir: out },
      { model, tokenizer: toyTokenizer, dataset: toyDataset, rewards: [sevenReward] },
      { workers: 0 },
    );
    const sink = new RecordingSink();
    const dash = liveDashboard(run, { sink, every: 1 });
    assert.equal(run.step, 0, "train() returned before any step: the run is in the background");

    await waitForStep(run, 2);
    const stepWhenUpdated = run.step;
    run.update({ learning_rate: 2.5e-3 });
    await run.done;
    dash.close();

    // The log: steps up to the update at the old LR; the next step carries the change and uses it.
    const log = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { step: number; learning_rate: number; updates?: object });
    assert.equal(log.length, 5);
    const next = log[stepWhenUpdated];
    assert.equal(next.step, stepWhenUpdated + 1);
    assert.deepEqual(next.updates, { learning_rate: 2.5e-3 });
    assert.equal(next.learning_rate, 2.5e-3);
    for (const r of log.slice(0, stepWhenUpdated)) assert.equal(r.learning_rate, 1e-2);
    for (const r of log.slice(stepWhenUpdated)) assert.equal(r.learning_rate, 2.5e-3);
    assert.equal(log.filter((r) => r.updates).length, 1);

    // The display: every chart redrawn in place, the last draw marks the update at its step.
    const plots = sink.messages.filter((m) => "application/vnd.plotly.v1+json" in m.bundle);
    const ids = [...new Set(plots.map((m) => m.displayId))];
    assert.equal(ids.length, 3, "reward, length and training charts");
    for (const id of ids) assert.ok(sink.updatesFor(id) >= 3, `chart ${id}: ${sink.updatesFor(id)} updates`);
    assert.ok(dash.redraws >= 4);
    const lastReward = plots.filter((m) => m.displayId === ids[0]).at(-1)!;
    const fig = lastReward.bundle["application/vnd.plotly.v1+json"] as Fig;
    assert.deepEqual(
      fig.layout.shapes?.map((s) => s.x0),
      [stepWhenUpdated + 1],
    );
    const lengthFig = plots.filter((m) => m.displayId === ids[1]).at(-1)!.bundle[
      "application/vnd.plotly.v1+json"
    ] as { data: Array<{ name: string; y: number[] }> };
    const cap = lengthFig.data.find((d) => d.name === "max_completion_length");
    assert.deepEqual(cap?.y, [toyConfig.max_completion_length, toyConfig.max_completion_length]);

    model.dispose();
    rmSync(out, { recursive: true, force: true });
  });
});

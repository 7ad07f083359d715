import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { completionsBrowserHtml, parseChatPrompt, passAtOneTable } from "../../src/kernel-helpers/tables";

describe("tables", () => {
  it("one row per checkpoint · protocol, one column per benchmark and the Average, reported rows after", () => {
    const t = passAtOneTable(
      [
        { benchmark: "aime24", checkpoint: "base", protocol: "avg@4", pass1: 0.25, stderr: 0.05 },
        { benchmark: "math500", checkpoint: "base", protocol: "avg@4", pass1: 0.75, stderr: 0.02 },
        { benchmark: "aime24", checkpoint: "step 8", protocol: "avg@4", pass1: 0.5, stderr: 0.1 },
      ],
      { "Open-RS3": { aime24: 46.7, math500: 84.5 }, Other: { aime24: 1 } },
    );
    const rows = t.objects() as Array<Record<string, string>>;
    assert.deepEqual(t.columnNames(), ["model", "aime24", "math500", "Average"]);
    assert.equal(rows.length, 4);
    assert.deepEqual(rows[0], {
      model: "base · avg@4",
      aime24: "25.0 ± 5.0",
      math500: "75.0 ± 2.0",
      Average: "50.0",
    });
    // a missing value (and so its Average) reads "—"
    assert.deepEqual(rows[1], { model: "step 8 · avg@4", aime24: "50.0 ± 10.0", math500: "—", Average: "—" });
    // reported: (46.7 + 84.5) / 2 = 65.6
    assert.deepEqual(rows[2], {
      model: "Open-RS3 (reported)",
      aime24: "46.7",
      math500: "84.5",
      Average: "65.6",
    });
    assert.equal(rows[3].math500, "—");
    assert.match(t.toMarkdown(), /\|base · avg@4\|25\.0 ± 5\.0\|75\.0 ± 2\.0\|50\.0\|/);
  });

  it("reads a chat prompt back into its turns (DeepSeek-R1, ChatML, Llama 3, plain)", () => {
    assert.deepEqual(
      parseChatPrompt("<｜begin▁of▁sentence｜>Be brief.<｜User｜>1+1?<｜Assistant｜><think>\n"),
      [
        { role: "system", content: "Be brief." },
        { role: "user", content: "1+1?" },
        { role: "assistant", content: "<think>" },
      ],
    );
    assert.deepEqual(
      parseChatPrompt(
        "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n",
      ),
      [
        { role: "system", content: "S" },
        { role: "user", content: "Q" },
        { role: "assistant", content: "" },
      ],
    );
    assert.deepEqual(
      parseChatPrompt(
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nQ<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
      ),
      [
        { role: "user", content: "Q" },
        { role: "assistant", content: "" },
      ],
    );
    assert.deepEqual(parseChatPrompt("just text"), [{ role: "user", content: "just text" }]);
  });

  it("completions browser escapes text and lists each reward column", () => {
    const html = completionsBrowserHtml([
      {
        step: 3,
        prompt: "<｜begin▁of▁sentence｜><｜User｜>What is 3+4?<｜Assistant｜><think>\n",
        completion: "<script>x</script> \\boxed{7}",
        advantage: 1.5,
        rewards: { a: 1, b: null },
      },
    ]);
    assert.ok(!html.includes("<script>x</script>"));
    assert.match(html, /&lt;script&gt;x&lt;\/script&gt;/);
    assert.match(html, /<th onclick="openRsSort\(this\)">a<\/th>/);
    assert.match(html, /1\.500/);
    // the conversation with role labels, no special tokens; a missing reward reads "—"
    assert.doesNotMatch(html, /｜/);
    assert.match(html, /<span class="role role-user">user<\/span>What is 3\+4\?/);
    assert.match(html, /<span class="role role-assistant">assistant<\/span>&lt;think&gt;\n&lt;script&gt;/);
    assert.match(html, /<td data-v="">—<\/td>/);
  });
});

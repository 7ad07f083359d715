import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEEPSEEK_R1_DISTILL_QWEN_TEMPLATE,
  DEEPSEEK_R1_DISTILL_SPECIAL,
  renderChatTemplate,
} from "../../src/tokenizer/templates";
import type { ChatMessage } from "../../src/tokenizer/types";

/** Open-RS recipes/grpo.yaml system_prompt, YAML-decoded (open-rs 2889c47; note the literal `\boxed{{}}`). */
const OPEN_RS_SYSTEM_PROMPT =
  "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. The assistant " +
  "first thinks about the reasoning process in the mind and then provides the user with the answer, and put your " +
  "final answer within \\boxed{{}} . The reasoning process and answer are enclosed within <think> </think> and " +
  "<answer> </answer> tags, respectively, i.e., <think> reasoning process here </think> <answer> answer here " +
  "</answer>. Note that respond by English, NOT use other languages.";

const BOS = "<｜begin▁of▁sentence｜>";
const render = (messages: ChatMessage[], gen: boolean) =>
  renderChatTemplate(DEEPSEEK_R1_DISTILL_QWEN_TEMPLATE, messages, gen, { ...DEEPSEEK_R1_DISTILL_SPECIAL });

describe("DeepSeek-R1-Distill-Qwen chat template", () => {
  const problem = "Find $x$ such that $2^x = 8$.\nGive an integer.";

  it("renders Open-RS's prompt byte for byte: BOS, bare system text, User/Assistant markers, <think>\\n prefill", () => {
    const got = render(
      [
        { role: "system", content: OPEN_RS_SYSTEM_PROMPT },
        { role: "user", content: problem },
      ],
      true,
    );
    const want = `${BOS}${OPEN_RS_SYSTEM_PROMPT}<｜User｜>${problem}<｜Assistant｜><think>\n`;
    assert.equal(got, want);
    assert.deepEqual(Buffer.from(got), Buffer.from(want));
    assert.ok(got.includes("\\boxed{{}}"), "the double braces must survive rendering");
  });

  it("leaves the assistant turn open (no <think>) without the generation prompt", () => {
    assert.equal(render([{ role: "user", content: "hi" }], false), `${BOS}<｜User｜>hi`);
  });

  it("strips reasoning from earlier assistant turns and closes them with EOS", () => {
    const got = render(
      [
        { role: "user", content: "a" },
        { role: "assistant", content: "<think>\nlong\n</think>\n\nThe answer is 2." },
        { role: "user", content: "b" },
      ],
      true,
    );
    assert.equal(
      got,
      `${BOS}<｜User｜>a<｜Assistant｜>\n\nThe answer is 2.<｜end▁of▁sentence｜><｜User｜>b<｜Assistant｜><think>\n`,
    );
  });

  it("keeps only the last system message", () => {
    const got = render(
      [
        { role: "system", content: "one" },
        { role: "system", content: "two" },
        { role: "user", content: "q" },
      ],
      true,
    );
    assert.equal(got, `${BOS}two<｜User｜>q<｜Assistant｜><think>\n`);
  });
});

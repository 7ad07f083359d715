/**
 * Chat templates we ship, for tokenizers whose tokenizer_config.json lacks the one a recipe needs (tiny test
 * tokenizers), plus a small renderer shared with `HfTokenizer`.
 */
import { Template } from "@huggingface/jinja";
import type { ChatMessage } from "./types";

/**
 * The `chat_template` of deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B's tokenizer_config.json, as revised on
 * 2025-02-09 (the revision that appends `<think>\n` to the generation prompt; the same change as HF commit
 * 6602cad on the 7B sibling). Transcribed from public copies of that file's template (vllm-project/vllm#13125,
 * and notes quoting the "Qwen Deepseek distil chat template"), not fetched from the Hub itself.
 *
 * It renders `{bos}{system}<｜User｜>{user}<｜Assistant｜><think>\n`: the (last) system message's text goes
 * right after BOS with **no role marker**, and the generation prompt prefills `<think>\n`, so completions start
 * inside the think block. Earlier assistant turns lose everything up
 * to their last `</think>`.
 *
 * The Jinja source contains `'\n'` escapes (backslash, n; written `\\n` in this JS literal and in the JSON
 * file), which Jinja turns into newlines at render time.
 */
export const DEEPSEEK_R1_DISTILL_QWEN_TEMPLATE: string =
  "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='') %}{%- for message in messages %}{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}{%- endif %}{%- endfor %}{{bos_token}}{{ns.system_prompt}}{%- for message in messages %}{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}{%- if message['role'] == 'assistant' and message['content'] is none %}{%- set ns.is_tool = false -%}{%- for tool in message['tool_calls']%}{%- if not ns.is_first %}{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- set ns.is_first = true -%}{%- else %}{{'\\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}{%- endfor %}{%- endif %}{%- if message['role'] == 'assistant' and message['content'] is not none %}{%- if ns.is_tool %}{{'<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}{%- set ns.is_tool = false -%}{%- else %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endif %}{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}{%- if ns.is_output_first %}{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- set ns.is_output_first = false %}{%- else %}{{'\\n<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- endif %}{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{% endif %}{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜><think>\\n'}}{% endif %}";

/** BOS and EOS strings of the DeepSeek-R1-Distill-Qwen tokenizer (ids 151646 and 151643 there). */
export const DEEPSEEK_R1_DISTILL_SPECIAL = Object.freeze({
  bos_token: "<｜begin▁of▁sentence｜>",
  eos_token: "<｜end▁of▁sentence｜>",
});

const compiled = new Map<string, Template>();

/**
 * Render a Jinja chat template as transformers' `apply_chat_template(tokenize=False)` does: `messages`,
 * `add_generation_prompt`, and the special-token strings (`bos_token`, `eos_token`, ...) passed in `vars`.
 * Compiled templates are cached by source text.
 */
export function renderChatTemplate(
  template: string,
  messages: readonly ChatMessage[],
  addGenerationPrompt: boolean,
  vars: Record<string, unknown> = {},
): string {
  let t = compiled.get(template);
  if (t === undefined) {
    t = new Template(template);
    compiled.set(template, t);
  }
  return t.render({ ...vars, messages, add_generation_prompt: addGenerationPrompt });
}

/**
 * Open-RS's prompts: the system prompt verbatim from its recipe, and the chat messages built for each row
 * (open-r1 `make_conversation`).
 */
import type { ChatMessage, TokenizerLike } from "../tokenizer/types";
import type { MathRow } from "./schema";

/**
 * Open-RS's system prompt, verbatim from `recipes/grpo.yaml` (YAML-decoded). The `\boxed{{}}` is literal:
 * the text was never `.format()`-ed. It ends with the English-only sentence of Experiment 3's yaml.
 */
export const OPEN_RS_SYSTEM_PROMPT =
  "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. " +
  "The assistant first thinks about the reasoning process in the mind and then provides the user with the answer, " +
  "and put your final answer within \\boxed{{}} . The reasoning process and answer are enclosed within " +
  "<think> </think> and <answer> </answer> tags, respectively, i.e., <think> reasoning process here </think> " +
  "<answer> answer here </answer>. Note that respond by English, NOT use other languages.";

/**
 * The prompt without the English-only sentence: what the paper describes for Experiments 1 and 2 (the repo
 * ships only the Experiment 3 yaml, so this variant is a reconstruction, not a released file).
 */
export const OPEN_RS_SYSTEM_PROMPT_BASE = OPEN_RS_SYSTEM_PROMPT.replace(
  " Note that respond by English, NOT use other languages.",
  "",
);

/** open-rs `grpo.py::make_conversation`: `[system, user]`, nothing else. */
export function makeConversation(
  problem: string,
  systemPrompt: string = OPEN_RS_SYSTEM_PROMPT,
): ChatMessage[] {
  return [
    { role: "system", content: systemPrompt },
    { role: "user", content: problem },
  ];
}

/** Prompt building settings. */
export interface PromptOptions {
  /** Default {@link OPEN_RS_SYSTEM_PROMPT}. */
  systemPrompt?: string;
  /** Left-truncate prompts to this many tokens (TRL `max_prompt_length`; Open-RS 512). null: no limit. */
  max_prompt_length?: number | null;
}

/** One rendered prompt. */
export interface BuiltPrompt {
  row: MathRow;
  /** The chat-template rendering with the generation prompt (DeepSeek: `…<｜Assistant｜><think>\n`). */
  text: string;
  /** Token ids of `text` (no extra special tokens), left-truncated to `max_prompt_length`. */
  ids: number[];
  /** Token count before truncation. */
  fullLength: number;
  truncated: boolean;
}

/** All prompts, plus how many were truncated. */
export interface BuiltPrompts {
  prompts: BuiltPrompt[];
  truncatedCount: number;
}

/**
 * Render each row's conversation with the tokenizer's own chat template (Open-RS sets no template override,
 * so the model's template applies), encode it without adding special tokens (the template adds BOS), and
 * keep the LAST `max_prompt_length` tokens, as TRL@69ad852e does (`prompt_ids[:, -max_prompt_length:]`).
 * `text` is the untruncated rendering; callers that generate from text should check `truncated`.
 */
export function buildPrompts(
  rows: readonly MathRow[],
  tokenizer: TokenizerLike,
  opts: PromptOptions = {},
): BuiltPrompts {
  const max = opts.max_prompt_length === undefined ? 512 : opts.max_prompt_length;
  if (max !== null && (!Number.isInteger(max) || max <= 0)) {
    throw new Error(`buildPrompts: max_prompt_length must be a positive integer or null, got ${max}`);
  }
  let truncatedCount = 0;
  const prompts = rows.map((row) => {
    const text = tokenizer.applyChatTemplate(makeConversation(row.problem, opts.systemPrompt), {
      addGenerationPrompt: true,
    });
    const full = tokenizer.encode(text, { addSpecialTokens: false });
    const truncated = max !== null && full.length > max;
    if (truncated) truncatedCount++;
    return {
      row,
      text,
      ids: truncated ? full.slice(full.length - max) : full,
      fullLength: full.length,
      truncated,
    };
  });
  return { prompts, truncatedCount };
}

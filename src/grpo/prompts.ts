/**
 * Prompt rendering: a dataset row as the chat-templated, tokenized, left-truncated prompt GRPO samples from.
 * (Which rows a step draws is src/data/epoch-sampler.ts.)
 */
import type { MathRow } from "../data/schema";
import type { ChatMessage, TokenizerLike } from "../tokenizer/types";

/** A rendered prompt: the chat-templated text and its (left-truncated) ids. */
export interface RenderedPrompt {
  text: string;
  ids: number[];
}

/**
 * open-r1 `make_conversation` + TRL's prompt handling: `[system?, user: row[column]]` rendered with the
 * tokenizer's chat template and the generation prompt, tokenized without extra special tokens, and
 * left-truncated to `maxPromptLength` (TRL keeps the last tokens).
 */
export function renderPrompt(
  row: MathRow,
  tokenizer: TokenizerLike,
  opts: { systemPrompt: string | null; promptColumn: string; maxPromptLength: number },
): RenderedPrompt {
  const content = row[opts.promptColumn];
  if (typeof content !== "string") {
    throw new Error(
      `dataset row ${row.id ?? "?"} has no string column "${opts.promptColumn}" (dataset_prompt_column)`,
    );
  }
  const messages: ChatMessage[] = [];
  if (opts.systemPrompt !== null) messages.push({ role: "system", content: opts.systemPrompt });
  messages.push({ role: "user", content });
  const text = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
  const ids = tokenizer.encode(text, { addSpecialTokens: false });
  return {
    text,
    ids: ids.length > opts.maxPromptLength ? ids.slice(ids.length - opts.maxPromptLength) : ids,
  };
}

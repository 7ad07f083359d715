/**
 * SFT examples as token ids, and the step/micro-batch layout. Training text is
 * `applyChatTemplate(prompt, {addGenerationPrompt: true}) + completion + eos`: the prompt ends with the
 * template's `<think>\n` prefill, and the loss covers the completion and the EOS only.
 */
import type { ChatMessage, TokenizerLike } from "../tokenizer/types";

/** A prompt/completion pair in text. */
export interface SftPair {
  prompt: ChatMessage[];
  completion: string;
}

/** A tokenised pair: the loss is taken on `completionIds` (which end with EOS). */
export interface SftTokens {
  promptIds: number[];
  completionIds: number[];
}

/** Encode one pair: prompt rendered with the generation prompt, completion + EOS. */
export function encodeSftPair(tok: TokenizerLike, pair: SftPair): SftTokens {
  const promptIds = tok.encode(tok.applyChatTemplate(pair.prompt, { addGenerationPrompt: true }));
  const completionIds = [...tok.encode(pair.completion), tok.eosTokenId];
  return { promptIds, completionIds };
}

/**
 * Split one step's examples into micro-batches of at most `maxTokens` padded tokens (rows × longest
 * prompt+completion), after sorting by length so that padding stays small. Returns index lists.
 */
export function microBatchesByTokens(items: readonly SftTokens[], maxTokens: number): number[][] {
  const len = (i: number) => items[i].promptIds.length + items[i].completionIds.length;
  const sorted = items.map((_, i) => i).sort((a, b) => len(a) - len(b) || a - b);
  const out: number[][] = [];
  let cur: number[] = [];
  let longest = 0;
  for (const i of sorted) {
    const l = Math.max(longest, len(i));
    if (cur.length > 0 && l * (cur.length + 1) > maxTokens) {
      out.push(cur);
      cur = [];
      longest = 0;
    }
    cur.push(i);
    longest = Math.max(longest, len(i));
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

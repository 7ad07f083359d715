/**
 * Prompt order and prompt rendering. The order reproduces TRL's `RepeatRandomSampler` idea with our seeded
 * RNG: a fresh permutation of the dataset per epoch, consumed `promptsPerRollout` at a time; each prompt is
 * repeated G times (contiguous, so groups are contiguous rows). The position is serialisable for resume.
 */
import type { MathRow } from "../data/schema";
import type { ChatMessage, TokenizerLike } from "../tokenizer/types";
import { Rng } from "../util/rng";

/** Serialisable state of a {@link PromptSampler}. */
export interface PromptSamplerState {
  epoch: number;
  /** Next index into `order`. */
  position: number;
  order: number[];
  rng: number[];
}

/** Draws dataset indices: shuffled per epoch, never splitting a prompt's group across steps. */
export class PromptSampler {
  private rng: Rng;
  private order: number[] = [];
  private position = 0;
  private epoch = -1;

  constructor(
    private readonly size: number,
    seed: number,
  ) {
    if (!(size > 0))
      throw new Error("PromptSampler: the training dataset is empty; give it at least one row");
    this.rng = new Rng(seed);
    this.newEpoch();
  }

  private newEpoch(): void {
    this.epoch += 1;
    this.order = this.rng.shuffle(Array.from({ length: this.size }, (_, i) => i));
    this.position = 0;
  }

  /** The next `n` indices; an epoch boundary starts a new permutation (no index repeats within an epoch). */
  next(n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      if (this.position >= this.order.length) this.newEpoch();
      out.push(this.order[this.position++]);
    }
    return out;
  }

  /** Epochs completed plus the fraction of the current one (HF's `epoch` metric). */
  get epochProgress(): number {
    return this.epoch + this.position / this.size;
  }

  getState(): PromptSamplerState {
    return { epoch: this.epoch, position: this.position, order: [...this.order], rng: this.rng.getState() };
  }

  setState(s: PromptSamplerState): void {
    if (s.order.length !== this.size) {
      throw new Error(
        `PromptSampler.setState: checkpoint order has ${s.order.length} rows, the dataset ${this.size}`,
      );
    }
    this.epoch = s.epoch;
    this.position = s.position;
    this.order = [...s.order];
    this.rng.setState(s.rng);
  }
}

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

/** The tokenizer contract (`TokenizerLike`) and chat messages, as the rest of the library uses them. */
/** A chat message as Hugging Face chat templates expect it. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/**
 * What the rest of the library needs from a tokenizer. `HfTokenizer` (tokenizer.ts) implements it for any
 * Hugging Face `tokenizer.json` + `tokenizer_config.json` directory.
 */
export interface TokenizerLike {
  /** Number of ids the model must embed (base vocab plus added tokens). */
  readonly vocabSize: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  readonly bosTokenId: number | null;
  /** Encode text to ids. `addSpecialTokens` defaults to false (chat templates already add BOS). */
  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[];
  /** Decode ids to text. `skipSpecialTokens` defaults to true, as TRL decodes completions. */
  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string;
  /** Render messages with the tokenizer's own chat template. */
  applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean }): string;
}

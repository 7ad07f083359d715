/**
 * Sanity checks of a loaded tokenizer, so that a broken vocabulary fails at load naming the directory instead
 * of encoding prompts to nothing: digits and arithmetic round-trip, and every special token the chat template
 * renders is one token of the vocabulary.
 */
import type { TokenizerLike } from "./types";

/** What {@link checkTokenizer} needs beyond {@link TokenizerLike}. */
interface Checkable extends TokenizerLike {
  readonly chatTemplate: string | null;
  tokenToId(token: string): number | undefined;
}

/** Special-token shapes in rendered templates: `<|im_start|>`, `<｜User｜>` (full-width bars). */
const SPECIAL = /<[|｜][^<>\s]{1,60}?[|｜]>/g;

/** Throws naming `source` when the tokenizer cannot encode digits or the template's special tokens. */
export function checkTokenizer(tok: Checkable, source: string): void {
  const probe = "0123456789 +-*/=()";
  const ids = tok.encode(probe);
  const back = ids.length === 0 ? "" : tok.decode(ids, { skipSpecialTokens: false });
  if (back !== probe) {
    throw new Error(
      `${source}: tokenizer.json cannot encode digits and arithmetic: "${probe}" → ${ids.length} token(s) → "${back}"; the vocabulary or its merges are broken (re-download tokenizer.json)`,
    );
  }
  if (tok.chatTemplate === null) return;
  let rendered: string;
  try {
    rendered = tok.applyChatTemplate([{ role: "user", content: "1+1=" }], { addGenerationPrompt: true });
  } catch (e) {
    throw new Error(`${source}: the chat template does not render a user turn: ${(e as Error).message}`);
  }
  for (const special of new Set(rendered.match(SPECIAL) ?? [])) {
    if (tok.tokenToId(special) === undefined) {
      throw new Error(
        `${source}: the chat template renders ${special}, which is not a token of tokenizer.json; the tokenizer and its tokenizer_config.json do not belong together`,
      );
    }
  }
}

/**
 * Pre-tokenization for the BPE trainer, identical to what @huggingface/tokenizers (and HF `tokenizers` in Rust)
 * do at encode time with the pre-tokenizer config below: added tokens are split out first, then each digit
 * becomes its own piece, then GPT-2's byte-level split and byte→char mapping apply.
 */
import { SequencePreTokenizer } from "@huggingface/tokenizers";

/**
 * The `pre_tokenizer` of our tokenizer.json: `Digits(individual_digits)` (so numbers are spelled digit by digit,
 * which helps arithmetic), then GPT-2 `ByteLevel` without a prefix space.
 */
export const BYTE_LEVEL_DIGITS_PRE_TOKENIZER = Object.freeze({
  type: "Sequence",
  pretokenizers: [
    { type: "Digits", individual_digits: true },
    { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
  ],
});

/** GPT-2's reversible byte → printable-char table (`bytes_to_unicode`): entry b is the char for byte b. */
export const BYTE_CHARS: readonly string[] = (() => {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let n = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCharCode(printable(b) ? b : 256 + n++));
  return Object.freeze(out);
})();

const preTokenizer = new SequencePreTokenizer(
  JSON.parse(JSON.stringify(BYTE_LEVEL_DIGITS_PRE_TOKENIZER)) as ConstructorParameters<
    typeof SequencePreTokenizer
  >[0],
);

/**
 * Split `text` around occurrences of `specials` (longest match first, left to right) and return the plain
 * segments only, as the tokenizer does before pre-tokenizing (added tokens never take part in merges).
 */
export function splitOutSpecials(text: string, specials: readonly string[]): string[] {
  const sorted = [...specials].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const hit = sorted.find((s) => text.startsWith(s, i));
    if (hit === undefined) {
      i++;
      continue;
    }
    if (i > start) out.push(text.slice(start, i));
    i += hit.length;
    start = i;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** Pre-tokenize one plain segment into byte-level "words" (strings over {@link BYTE_CHARS}). */
export function preTokenize(segment: string): string[] {
  return preTokenizer.pre_tokenize_text(segment);
}

/**
 * A small deterministic byte-level BPE trainer. Same algorithm as HF `tokenizers`' BpeTrainer: start from the
 * 256 byte symbols, repeatedly merge the most frequent adjacent pair (counted over pre-tokenized words,
 * weighted by word frequency) until the vocabulary is full or no pair reaches `minFrequency`. Ties break on
 * the pair's text (code-unit order), so the result depends only on the input texts and options.
 */
import { BYTE_CHARS, preTokenize, splitOutSpecials } from "./train-bpe-pretok";

/** Options of {@link trainBpe}. */
export interface BpeTrainOptions {
  /** Size of the BPE vocabulary: 256 byte symbols + merges (added tokens come on top). ≥ 256. */
  vocabSize: number;
  /** A pair must occur at least this often (weighted) to be merged. Default 2. */
  minFrequency?: number;
  /** Strings cut out of the texts before counting (the added tokens). Default none. */
  specialTokens?: readonly string[];
}

/** A trained BPE model: `vocab[id]` is the token (byte-level chars), `merges` in priority order. */
export interface BpeModel {
  vocab: string[];
  merges: [string, string][];
}

/** Count pre-tokenized words over all texts (specials removed). */
export function countWords(texts: Iterable<string>, specials: readonly string[] = []): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const seg of splitOutSpecials(text, specials)) {
      for (const w of preTokenize(seg)) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  return counts;
}

const SEP = " "; // never inside a byte-level symbol (the space byte maps to "Ġ")

/** Mutable training state: words as symbol arrays, weighted pair counts, and pair → words index. */
class PairTable {
  readonly counts = new Map<string, number>();
  readonly where = new Map<string, Set<number>>();

  constructor(
    readonly words: string[][],
    readonly freq: number[],
  ) {
    for (let i = 0; i < words.length; i++) this.addWord(i, 1);
  }

  /** Add (sign 1) or remove (sign -1) the pairs of word `i`. */
  addWord(i: number, sign: 1 | -1): void {
    const w = this.words[i];
    for (let j = 0; j + 1 < w.length; j++) {
      const key = w[j] + SEP + w[j + 1];
      const c = (this.counts.get(key) ?? 0) + sign * this.freq[i];
      if (c > 0) this.counts.set(key, c);
      else this.counts.delete(key);
      if (sign > 0) {
        const set = this.where.get(key);
        if (set === undefined) this.where.set(key, new Set([i]));
        else set.add(i);
      }
    }
  }

  /** The most frequent pair (ties: smallest key), or null. */
  best(): [string, number] | null {
    let bestKey: string | null = null;
    let bestCount = 0;
    for (const [key, c] of this.counts) {
      if (c > bestCount || (c === bestCount && bestKey !== null && key < bestKey)) {
        bestKey = key;
        bestCount = c;
      }
    }
    return bestKey === null ? null : [bestKey, bestCount];
  }

  /** Merge every occurrence of (a, b) into a+b, updating counts only for the words that contain the pair. */
  merge(a: string, b: string): void {
    const key = a + SEP + b;
    for (const i of [...(this.where.get(key) ?? [])]) {
      const w = this.words[i];
      this.addWord(i, -1);
      const out: string[] = [];
      for (let j = 0; j < w.length; j++) {
        if (j + 1 < w.length && w[j] === a && w[j + 1] === b) {
          out.push(a + b);
          j++;
        } else out.push(w[j]);
      }
      this.words[i] = out;
      this.addWord(i, 1);
    }
    this.where.delete(key);
  }
}

/** Train a byte-level BPE on `texts`. Deterministic: same texts (in any order) and options → same model. */
export function trainBpe(texts: Iterable<string>, opts: BpeTrainOptions): BpeModel {
  if (!Number.isInteger(opts.vocabSize) || opts.vocabSize < 256) {
    throw new Error(
      `trainBpe: vocabSize must be an integer ≥ 256 (the byte alphabet), got ${opts.vocabSize}`,
    );
  }
  const minFrequency = opts.minFrequency ?? 2;
  const counts = countWords(texts, opts.specialTokens ?? []);
  const sortedWords = [...counts.keys()].sort();
  const table = new PairTable(
    sortedWords.map((w) => Array.from(w)),
    sortedWords.map((w) => counts.get(w) as number),
  );
  const vocab = [...BYTE_CHARS];
  const known = new Set(vocab);
  const merges: [string, string][] = [];
  while (vocab.length < opts.vocabSize) {
    const best = table.best();
    if (best === null || best[1] < minFrequency) break;
    const [a, b] = best[0].split(SEP) as [string, string];
    table.merge(a, b);
    merges.push([a, b]);
    if (!known.has(a + b)) {
      known.add(a + b);
      vocab.push(a + b);
    }
  }
  return { vocab, merges };
}

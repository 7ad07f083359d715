/**
 * One generated sequence as the server reports it, fed token by token: incremental detokenisation, stop
 * strings (text that might start a stop string is held back), per-token log-probs and the usage count.
 * Streaming and plain replies both read it, so they carry the same text.
 */
import type { TokenizerLike } from "../tokenizer/types";

/** Log-prob of one generated token and, when asked, its most likely alternatives. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  /** Characters of the choice's text before this token (the legacy completions `text_offset`). */
  offset: number;
  top: Array<{ token: string; logprob: number }>;
}

/** Text (and the log-probs of the tokens behind it) ready to send. */
export interface ChoiceDelta {
  text: string;
  logprobs: TokenLogprob[];
}

/**
 * Tracks one choice. Detokenises incrementally as TGI and vLLM do (a prefix window, so that decoders which
 * treat a leading space specially stay right, and an incomplete UTF-8 character waits for its next token).
 */
export class ChoiceTracker {
  readonly ids: number[] = [];
  /** Text so far, cut at the first stop string once one appears. */
  text = "";
  /** A stop string was hit: later tokens are ignored. */
  stopped = false;
  /** Tokens received, including those after a stop string. */
  received = 0;
  /** Log-probs of every counted token (when asked for). */
  readonly logprobs: TokenLogprob[] = [];
  /** Tokens that count toward usage: all of them, or up to and including the one that completed a stop. */
  counted = 0;
  private sent = 0;
  private prefixOffset = 0;
  private readOffset = 0;
  private pending: TokenLogprob[] = [];
  private readonly maxStop: number;

  constructor(
    private readonly tokenizer: TokenizerLike,
    private readonly stop: readonly string[],
    private readonly wantLogprobs = false,
    /** Name tokens `token_id:<id>` in log-prob entries (vLLM's `return_tokens_as_token_ids`). */
    private readonly tokensAsIds = false,
  ) {
    this.maxStop = Math.max(0, ...stop.map((s) => s.length));
  }

  /** Adds one sampled token; returns what can be sent now (empty text while held back). */
  push(id: number, logprob = 0, top: Array<[number, number]> = []): ChoiceDelta {
    this.received++;
    if (this.stopped) return { text: "", logprobs: [] };
    this.ids.push(id);
    this.counted++;
    if (this.wantLogprobs) {
      const entry = {
        token: this.tokenString(id),
        logprob,
        offset: this.text.length,
        top: top.map(([t, lp]) => ({ token: this.tokenString(t), logprob: lp })),
      };
      this.pending.push(entry);
      this.logprobs.push(entry);
    }
    this.decodeNew(false);
    return this.take(false);
  }

  /** Everything not sent yet, at the end of generation (held-back text is real text now). */
  finish(): ChoiceDelta {
    if (!this.stopped) this.decodeNew(true);
    return this.take(true);
  }

  /** `stop` after a stop string or EOS, `length` when the token budget ran out (or generation was cut). */
  finishReason(truncated: boolean): "stop" | "length" {
    return this.stopped || !truncated ? "stop" : "length";
  }

  private tokenString(id: number): string {
    if (this.tokensAsIds) return `token_id:${id}`;
    return this.tokenizer.decode([id], { skipSpecialTokens: false });
  }

  private decodeNew(final: boolean): void {
    const decode = (ids: number[]) => (ids.length === 0 ? "" : this.tokenizer.decode(ids));
    const prefix = decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const full = decode(this.ids.slice(this.prefixOffset));
    if (full.length <= prefix.length || (!final && full.endsWith("\uFFFD"))) return;
    const before = this.text.length;
    this.text += full.slice(prefix.length);
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    const from = Math.max(0, before - this.maxStop + 1);
    let cut = -1;
    for (const s of this.stop) {
      const i = this.text.indexOf(s, from);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) {
      this.text = this.text.slice(0, cut);
      this.stopped = true;
    }
  }

  private take(final: boolean): ChoiceDelta {
    const end = final || this.stopped ? this.text.length : this.text.length - this.heldBack();
    if (end <= this.sent && !final) return { text: "", logprobs: [] };
    const text = this.text.slice(this.sent, Math.max(this.sent, end));
    this.sent = Math.max(this.sent, end);
    const logprobs = this.pending;
    this.pending = [];
    return { text, logprobs };
  }

  /** Length of the longest tail of `text` that is a proper prefix of a stop string (it may become one). */
  private heldBack(): number {
    let hold = 0;
    for (const s of this.stop) {
      for (let k = Math.min(s.length - 1, this.text.length); k > hold; k--) {
        if (this.text.endsWith(s.slice(0, k))) {
          hold = k;
          break;
        }
      }
    }
    return hold;
  }
}

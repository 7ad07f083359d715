/**
 * Source map v3 lookups, enough to turn a stack frame's generated line:column into the original one: a
 * base64-VLQ decoder, a per-line segment table, and the composition of two maps (tslab compiles a cell twice:
 * TypeScript → ES module JavaScript → CommonJS). Spec: https://tc39.es/source-map/
 */

/** One decoded source map (only what lookups need). */
export interface RawSourceMap {
  version: number;
  sources: string[];
  mappings: string;
  names?: string[];
}

/** An original position (0-based line and column) in `sources[source]`. */
export interface OriginalPosition {
  source: string;
  line: number;
  column: number;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

/** Decode one VLQ group ("AAAA" → [0, 0, 0, 0]). */
export function decodeVlq(group: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of group) {
    const digit = B64_INDEX.get(ch);
    if (digit === undefined) throw new Error(`invalid base64 VLQ character ${JSON.stringify(ch)}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      const negative = value & 1;
      value >>>= 1;
      out.push(negative ? -value : value);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** A segment: generated column → source index, original line, original column. */
type Segment = [number, number, number, number];

/** Decode `mappings` into segments per generated line (absolute values, sorted by column). */
export function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let src = 0;
  let line = 0;
  let col = 0;
  for (const text of mappings.split(";")) {
    const segs: Segment[] = [];
    let gen = 0;
    for (const group of text.split(",")) {
      if (group === "") continue;
      const v = decodeVlq(group);
      gen += v[0];
      if (v.length >= 4) {
        src += v[1];
        line += v[2];
        col += v[3];
        segs.push([gen, src, line, col]);
      }
    }
    segs.sort((a, b) => a[0] - b[0]);
    lines.push(segs);
  }
  return lines;
}

/** Position lookups in one map. */
export class SourceMapLookup {
  private decoded: Segment[][] | null = null;
  constructor(private readonly map: RawSourceMap) {}

  /**
   * The original position of generated (line, column), both 0-based: the last segment at or before the column
   * on that line, else the line's first segment (V8 may point before it, e.g. at leading whitespace), else null.
   */
  original(line: number, column: number): OriginalPosition | null {
    this.decoded ??= decodeMappings(this.map.mappings);
    const segs = this.decoded[line];
    if (!segs || segs.length === 0) return null;
    let hit = segs[0];
    for (const s of segs) {
      if (s[0] > column) break;
      hit = s;
    }
    return { source: this.map.sources[hit[1]] ?? "", line: hit[2], column: hit[3] };
  }
}

/** Lookups through a chain of maps, last compilation first (e.g. [CommonJS → ESM, ESM → TypeScript]). */
export class ChainedLookup {
  constructor(private readonly maps: SourceMapLookup[]) {}
  original(line: number, column: number): OriginalPosition | null {
    let pos: OriginalPosition | null = { source: "", line, column };
    for (const m of this.maps) {
      pos = m.original(pos.line, pos.column);
      if (!pos) return null;
    }
    return pos;
  }
}

const INLINE_RE =
  /\n?\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/;
const URL_COMMENT_RE = /\n?\/\/# sourceMappingURL=[^\n]*\s*$/;

/** Split an inline source map comment off generated code: the code without it, and the map (or null). */
export function takeInlineMap(code: string): { code: string; map: RawSourceMap | null } {
  const m = INLINE_RE.exec(code);
  if (!m) return { code, map: null };
  const map = JSON.parse(Buffer.from(m[1], "base64").toString("utf8")) as RawSourceMap;
  return { code: code.slice(0, m.index), map };
}

/** Remove a trailing `//# sourceMappingURL=...` comment (so Node never applies a map meant for another stage). */
export function stripMapComment(code: string): string {
  return code.replace(URL_COMMENT_RE, "\n");
}

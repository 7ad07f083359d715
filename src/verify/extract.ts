/**
 * Answer extraction, following Math-Verify 0.5.2 `extract_target_from_pred`: patterns grouped by priority
 * (lower first); within a group, matches are tried right to left (by end, then leftmost start); the first
 * match that parses wins. `first_match` stops after the first match of the first priority that matched.
 */
import { DEFAULT_NORMALIZATION, NORMALIZATION_CONFIG_DEFAULTS, normalizeLatex } from "./normalize";
import { bareBoxedMatch, exprPatterns, latexPatterns, type PriorityPattern } from "./patterns";
import { isParseable } from "./syntax";
import type {
  ExtractionTarget,
  NormalizationConfig,
  ParsedAnswer,
  ParseOptions,
  UpstreamVersion,
} from "./types";

interface Compiled {
  pattern: PriorityPattern;
  normalization: NormalizationConfig;
}

interface Candidate {
  value: string | undefined;
  fallback: string;
  raw: string;
}

const patternCache = new Map<string, PriorityPattern[]>();

function compile(targets: ExtractionTarget[], version: UpstreamVersion): Compiled[] {
  const out: Compiled[] = [];
  for (const t of targets) {
    const key =
      t.kind === "latex"
        ? `latex:${t.boxedMatchPriority ?? 50}:${t.tryExtractWithoutAnchor ?? true}`
        : `expr:${t.tryExtractWithoutAnchor ?? true}:${version}`;
    let pats = patternCache.get(key);
    if (!pats) {
      pats =
        t.kind === "latex"
          ? latexPatterns(t.boxedMatchPriority ?? 50, t.tryExtractWithoutAnchor ?? true)
          : exprPatterns(t.tryExtractWithoutAnchor ?? true, version);
      patternCache.set(key, pats);
    }
    // As in Python: no normalization_config → the extraction default; a partial one → dataclass defaults.
    const given = t.kind === "latex" ? t.normalization : undefined;
    const normalization = given
      ? { ...NORMALIZATION_CONFIG_DEFAULTS, ...given }
      : { ...DEFAULT_NORMALIZATION };
    for (const p of pats) out.push({ pattern: p, normalization });
  }
  return out;
}

/** Latex groups of a match in order first_, next1_ … next5_, with their percent flags. */
function latexGroups(m: RegExpMatchArray): Array<{ name: string; value: string; percent: boolean }> {
  const groups = m.groups ?? {};
  const out: Array<{ name: string; value: string; percent: boolean }> = [];
  for (const prefix of ["first", "next1", "next2", "next3", "next4", "next5"]) {
    for (const [name, value] of Object.entries(groups)) {
      if (value && name.startsWith(`${prefix}_latex`)) {
        out.push({ name, value, percent: Boolean(groups[`${prefix}_percent`]) });
        break;
      }
    }
  }
  return out;
}

function extractLatex(m: RegExpMatchArray, norm: NormalizationConfig, version: UpstreamVersion): Candidate {
  const parts: string[] = [];
  const fallbacks: string[] = [];
  let ok = true;
  for (const g of latexGroups(m)) {
    const cfg = g.name.endsWith("latexBoxed") ? { ...norm, boxed: "last" as const } : norm;
    let text = normalizeLatex(g.value, cfg, version);
    const fallback = text;
    // A percent suffix after the environment: Math-Verify multiplies the parsed value by 1/100.
    if (g.percent && text !== "") text = /^-?\d+(?:\.\d+)?$/.test(text) ? `${text}\\%` : `{${text}}\\%`;
    parts.push(text);
    fallbacks.push(fallback);
    if (!isParseable(text, version)) ok = false;
  }
  const raw = m[0];
  if (parts.length === 0) return { value: undefined, fallback: "", raw };
  const fallback = fallbacks.join(" and ");
  if (!ok) return { value: undefined, fallback, raw };
  const value = parts.length === 1 ? parts[0] : `\\{${parts.map(unwrapSet).join(",")}\\}`;
  return { value, fallback, raw };
}

/** `\{a,b\}` → `a,b` so that sets joined by "and" flatten as Math-Verify's FiniteSet does. */
function unwrapSet(text: string): string {
  const m = /^\\\{([\s\S]*)\\\}$/.exec(text);
  return m ? m[1] : text;
}

function extractExpr(m: RegExpMatchArray): Candidate {
  const g = m.groups ?? {};
  const raw = m[0];
  const integer = g.integer1 ?? g.integer2 ?? g.integer3 ?? "";
  const decimal = g.decimal1 ?? g.decimal2 ?? g.decimal3 ?? "";
  if (integer || decimal) {
    const neg = integer.startsWith("-");
    let int = integer.replace(/[-, ]/g, "").replace(/^0+/, "");
    if (int === "") int = "0";
    const num = `${neg ? "-" : ""}${int}${decimal.replace(",", ".")}`;
    return { value: g.percent ? `${num}\\%` : num, fallback: num, raw };
  }
  const expr = g.expr ?? "";
  if (!expr) return { value: undefined, fallback: "", raw };
  const latex = expr
    .replace(/\n/g, " ")
    .replace(/\*\*/g, "^")
    .replace(/\*/g, "\\cdot ")
    .replace(/×/g, "\\times ")
    .replace(/÷/g, "\\div ")
    .trim();
  return {
    value: isParseable(latex) && parensBalanced(latex) ? latex : undefined,
    fallback: expr,
    raw,
  };
}

function parensBalanced(text: string): boolean {
  let d = 0;
  for (const c of text) {
    if (c === "(") d++;
    else if (c === ")" && --d < 0) return false;
  }
  return d === 0;
}

interface Match {
  m: RegExpMatchArray;
  c: Compiled;
  start: number;
  end: number;
}

function collect(text: string, group: Compiled[]): Match[] {
  const out: Match[] = [];
  for (const c of group) {
    if (c.pattern.manual) {
      const bm = bareBoxedMatch(text);
      if (bm) {
        const m = Object.assign([bm.value], {
          index: bm.start,
          input: text,
          groups: { first_latexBoxed: bm.value },
        });
        out.push({
          m: m as unknown as RegExpMatchArray,
          c,
          start: bm.start,
          end: bm.start + bm.value.length,
        });
      }
      continue;
    }
    c.pattern.re.lastIndex = 0;
    for (const m of text.matchAll(c.pattern.re)) {
      const start = m.index ?? 0;
      out.push({ m, c, start, end: start + m[0].length });
    }
  }
  // Rightmost end first; for equal ends, leftmost start first (Math-Verify's sort key (end, -start), reversed).
  return out.sort((a, b) => b.end - a.end || a.start - b.start);
}

/**
 * Extract answers from `text` (Math-Verify 0.5.2 `parse`). Synchronous and pure; never throws: any internal
 * error yields `[]`.
 */
export function parse(text: string, opts: ParseOptions = {}): ParsedAnswer[] {
  try {
    return parseUnsafe(String(text), opts);
  } catch {
    return [];
  }
}

/**
 * Only the last this-many characters are searched (answers sit at the end; Math-Verify has no cap but a
 * parse timeout, which a synchronous parse cannot have).
 */
export const MAX_EXTRACT_CHARS = 65_536;

function parseUnsafe(input: string, opts: ParseOptions): ParsedAnswer[] {
  const text = input.length > MAX_EXTRACT_CHARS ? input.slice(input.length - MAX_EXTRACT_CHARS) : input;
  const targets = opts.extraction ?? [{ kind: "latex" }, { kind: "expr" }];
  const mode = opts.extractionMode ?? "any_match";
  const version = opts.version ?? "0.5.2";
  const compiled = compile(targets, version);
  const priorities = [...new Set(compiled.map((c) => c.pattern.priority))].sort((a, b) => a - b);
  const found: ParsedAnswer[] = [];
  const fallbacks: ParsedAnswer[] = [];
  let matched = false;
  for (const p of priorities) {
    const matches = collect(
      text,
      compiled.filter((c) => c.pattern.priority === p),
    );
    for (const mm of matches) {
      const cand =
        mm.c.pattern.kind === "latex" ? extractLatex(mm.m, mm.c.normalization, version) : extractExpr(mm.m);
      matched = true;
      if (cand.fallback) fallbacks.push({ latex: cand.fallback.trim(), raw: cand.raw, fallback: true });
      if (cand.value !== undefined) {
        found.push({ latex: cand.value, raw: cand.raw });
        break;
      }
      if (mode === "first_match") break;
    }
    if (found.length > 0 || (matched && mode === "first_match")) break;
  }
  if ((opts.fallbackMode ?? "first_match") === "first_match" && fallbacks.length > 0)
    found.push(fallbacks[0]);
  return found;
}

/**
 * LaTeX normalisation in the spirit of latex2sympy2_extended's `normalize_latex` (the version Math-Verify
 * 0.5.2 uses): one switch per group of rewrites, see {@link NormalizationConfig}.
 */
import { extractBoxed } from "./boxed";
import type { NormalizationConfig } from "./types";

/** Math-Verify's `LatexExtractionConfig` default normalisation. */
export const DEFAULT_NORMALIZATION: Readonly<NormalizationConfig> = Object.freeze({
  basic_latex: true,
  units: true,
  malformed_operators: true,
  nits: true,
  boxed: "all",
  equations: false,
});

const LEFT_RE =
  /\\m?left(\\\{|\{|\\\||\||\[|\(|\\lgroup|\\lbrace|\\lbrack|\\vert|\\lvert|\\lceil|\\lfloor|\\langle|\.)/g;
const RIGHT_RE =
  /\\m?right(\\\}|\}|\\\||\||\]|\)|\\rbrack|\\rgroup|\\rbrace|\\vert|\\rvert|\\rceil|\\rfloor|\\rangle|\.)/g;

/** Unit words stripped at the end of an answer (a subset of latex2sympy2_extended's list, longest first). */
const UNIT_WORDS = [
  "square units",
  "sq units",
  "units",
  "unit",
  "degrees",
  "degree",
  "deg",
  "inches",
  "inch",
  "feet",
  "foot",
  "ft",
  "miles",
  "mile",
  "mph",
  "kmph",
  "yards",
  "yard",
  "meters",
  "meter",
  "metres",
  "metre",
  "cm",
  "mm",
  "km",
  "kg",
  "gm",
  "g",
  "m",
  "seconds",
  "second",
  "sec",
  "minutes",
  "minute",
  "min",
  "hours",
  "hour",
  "hr",
  "days",
  "day",
  "months",
  "month",
  "years",
  "year",
  "cents",
  "cent",
  "dollars",
  "dollar",
  "pounds",
  "pound",
  "lb",
  "gallons",
  "gallon",
  "liters",
  "liter",
  "litres",
  "litre",
  "students",
  "student",
  "people",
  "ways",
  "way",
  "points",
  "point",
  "digits",
  "digit",
  "edges",
  "edge",
  "tiles",
  "tile",
  "coins",
  "coin",
  "apples",
  "apple",
  "marks",
  "mark",
  "sq",
  "cubic",
  "square",
];
const UNITS_RE = new RegExp(`(\\d|\\}|\\s)\\s*(?:${UNIT_WORDS.join("|")})\\s*$`);
const TRAILING_TEXT_RE = /(\\(?:text|mbox)\{[^{}]*\})(\^\d|\^\{\d\}|\{\^\d\})?$/;

const TO_REMOVE_RE = /\\mathrm\{th\}|\\!\s*|\\text\s*\{\s*\}|\\\$|\$|(?<!\\)["']|\\displaystyle|\\,|\\;|\\:/g;

/** Replacement table applied in one pass (order matters only for overlapping alternatives). */
const REPLACEMENTS: Array<[RegExp, string]> = [
  [/\\math(?:rm|it|bf|sf|tt)\b/g, "\\text"],
  [/\\(?:textnormal|textbf|textit|textrm|mbox|operatorname\*?)\b/g, "\\text"],
  [/\\(?:d|t|c)frac(?![a-zA-Z])/g, "\\frac"],
  [/\\(?:degree|circ)\b/g, "\\circ"],
  [/\s\./g, " 0."],
  [/\{\./g, "{0."],
  [/\s*\{\s*,\s*\}/g, ","],
  [/(,?\s*\\text\{\s*(?:and|or)\s*\})/g, ","],
  [/(?<![a-zA-Z\\])(,?\s*(?:and|or))(?![a-zA-Z])/g, ","],
  [/(?<!\\)\\\s/g, " "],
  [/(?<!\\)infinity/g, "\\infty"],
  [/,?\s*\\(?:ldots|cdots|dots)/g, " "],
  [/\s*\bpercentage\b/g, "\\%"],
  [/\s*\bpercent\b/g, "\\%"],
  [/\\text\{\s*(?:percent|pct|percentage)\s*\}/g, "\\%"],
  [/(?<!\\)\binf\b/g, "\\infty"],
];

function basicLatex(input: string): string {
  let text = input.replace(/\\mathrm\{T\}/g, "T").replace(/\\mathrm\{d\}|\{\\rm d\}/g, "d");
  text = text.replace(LEFT_RE, (_m, d: string) => (d === "." ? "" : d));
  text = text.replace(RIGHT_RE, (_m, d: string) => (d === "." ? "" : d));
  text = text.replace(TO_REMOVE_RE, "");
  for (const [re, rep] of REPLACEMENTS) text = text.replace(re, rep);
  text = text.replace(/[\n\t\r]/g, " ");
  if (!text.includes("matrix")) text = text.replace(/\\\\(?=[a-zA-Z])/g, "\\");
  return text;
}

function stripUnits(input: string): string {
  let text = input;
  const noTrailingText = text.replace(TRAILING_TEXT_RE, "").trim();
  if (noTrailingText !== "" && noTrailingText !== text) text = noTrailingText;
  for (let i = 0; i < 2; i++) {
    const next = text.replace(UNITS_RE, "$1").trim();
    if (next !== "" && next !== text) text = next;
  }
  return text;
}

/** `\frac12` → `\frac{1}{2}`, `\frac1{2}` → `\frac{1}{2}` (hendrycks/math `_fix_fracs`). */
export function fixFracs(text: string): string {
  return text
    .replace(/\\frac\s*([^{\s\\])\s*([^{\s\\])/g, "\\frac{$1}{$2}")
    .replace(/\\frac\s*([^{\s\\])\s*\{/g, "\\frac{$1}{");
}

function fixMalformed(input: string): string {
  let text = input.replace(/\^\s?\(([^()]*?)\)/g, "^{$1}");
  text = text.replace(/(?<!\\)\bsqrt\s?\(([^()]*?)\)/g, "\\sqrt{$1}");
  text = text.replace(/\\log_\s?(\d)\s?(\d+)/g, "\\log_{$1}{$2}");
  text = text.replace(/\\frac\s?\{([^{}]*)\}\s?(\d)/g, "\\frac{$1}{$2}");
  text = text.replace(/\\sqrt\s*([^{[\s\\])/g, "\\sqrt{$1}");
  text = fixFracs(text);
  const slash = /^(-?\d+)\/(\d+)$/.exec(text);
  if (slash) text = `\\frac{${slash[1]}}{${slash[2]}}`;
  return text;
}

/** Normalise a LaTeX answer string according to `config` (missing fields take the defaults). */
export function normalizeLatex(input: string, config: Partial<NormalizationConfig> = {}): string {
  const cfg = { ...DEFAULT_NORMALIZATION, ...config };
  let text = input;
  if (cfg.boxed !== "none") text = extractBoxed(text, cfg.boxed);
  if (cfg.basic_latex) text = basicLatex(text);
  if (cfg.equations && !text.includes(",") && !text.includes(";")) {
    const parts = text.split(/(?<![\\<!>])=/);
    if (parts.length > 2) text = parts[parts.length - 1];
  }
  if (cfg.units) text = stripUnits(text);
  if (cfg.nits) {
    if (text.startsWith(".")) text = `0${text}`;
    if (text.trim() === "0.5") text = "\\frac{1}{2}";
  }
  if (cfg.malformed_operators) text = fixMalformed(text.trim());
  return text.trim();
}

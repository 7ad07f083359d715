/**
 * LaTeX normalisation in the spirit of latex2sympy2_extended's `normalize_latex` (the version Math-Verify
 * 0.5.2 uses): one switch per group of rewrites, see {@link NormalizationConfig}.
 */
import { extractBoxed } from "./boxed";
import type { NormalizationConfig, UpstreamVersion } from "./types";

/**
 * Math-Verify 0.5.2's `LatexExtractionConfig` default normalisation (everything on, `equations=True`;
 * huggingface/Math-Verify@2fce00c `src/math_verify/parser.py`).
 */
export const DEFAULT_NORMALIZATION: Readonly<NormalizationConfig> = Object.freeze({
  basic_latex: true,
  units: true,
  malformed_operators: true,
  nits: true,
  boxed: "all",
  equations: true,
});

/**
 * The field defaults of latex2sympy2_extended 1.0.6's `NormalizationConfig` dataclass: what a field takes when
 * code builds `NormalizationConfig(units=True)` without naming it (huggingface/latex2sympy2_extended@5ca648f
 * `src/latex2sympy2_extended/math_normalization.py`).
 */
export const NORMALIZATION_CONFIG_DEFAULTS: Readonly<NormalizationConfig> = Object.freeze({
  basic_latex: true,
  units: false,
  malformed_operators: false,
  nits: false,
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
/**
 * 1.0.6's `unit_superscript_regex`: from the first `\text{` whose rest ends the string with `}` (and an optional
 * `^2`), e.g. `5\text{ cm}` → `5`. Its unit-word regex matches no word (see README), so this is all it removes.
 */
const TEXT_TO_END_RE = /(\\(?:text|mbox)\{[^\n]*?\})(\^\d|\{\^\d\})?$/;

const TO_REMOVE_RE = /\\mathrm\{th\}|\\!\s*|\\text\s*\{\s*\}|\\\$|\$|(?<!\\)["']|\\displaystyle|\\,|\\;|\\:/g;

/**
 * Replacement tables, applied in order. They differ by version where latex2sympy2_extended changed: 1.0.6
 * turns "and"/"or" into `;` (groups: `p=5, q=2 and p=7, q=2` is a set of two pairs) and "percent" into a
 * literal `\\%` that no longer parses; later versions turn "and"/"or" into `,` and percent words into `\%`.
 */
const REPLACEMENTS: Record<UpstreamVersion, Array<[RegExp, string]>> = {
  "0.5.2": replacements(
    [
      [/\\text\{\s*(?:and|or)\s*\}/g, ";"],
      [/(?<![\w\\])(?:and|or)(?!\w)/g, ";"],
    ],
    [[/\\text\{percent\}|\s*percent/g, "\\\\%"]],
  ),
  later: replacements(
    [
      [/(,?\s*\\text\{\s*(?:and|or)\s*\})/g, ","],
      [/(?<![a-zA-Z\\])(,?\s*(?:and|or))(?![a-zA-Z])/g, ","],
    ],
    [
      [/\s*\bpercentage\b/g, "\\%"],
      [/\s*\bpercent\b/g, "\\%"],
      [/\s*\bpct\b/g, "\\%"],
      [/\\text\{\s*(?:percent|pct|percentage)\s*\}/g, "\\%"],
    ],
  ),
};

function replacements(
  andOr: Array<[RegExp, string]>,
  percent: Array<[RegExp, string]>,
): Array<[RegExp, string]> {
  return [
    [/\\math(?:rm|it|bf|sf|tt)\b/g, "\\text"],
    [/\\(?:textnormal|textbf|textit|textrm|mbox|operatorname\*?)\b/g, "\\text"],
    [/\\(?:d|t|c)frac(?![a-zA-Z])/g, "\\frac"],
    [/\\(?:degree|circ)\b/g, "\\circ"],
    [/\s\./g, " 0."],
    [/\{\./g, "{0."],
    [/~=/g, "\\approx "],
    [/\s*\{\s*,\s*\}/g, ","],
    ...andOr,
    [/(?<!\\)\\\s/g, " "],
    [/(?<!\\)infinity/g, "\\infty"],
    [/,?\s*\\(?:ldots|cdots|dots)/g, " "],
    ...percent,
    [/(?<!\\)\binf\b/g, "\\infty"],
  ];
}

function basicLatex(input: string, version: UpstreamVersion): string {
  let text = input.replace(/\\mathrm\{T\}/g, "T").replace(/\\mathrm\{d\}|\{\\rm d\}/g, "d");
  text = text
    .replace(/\\left\[\\begin\{matrix\}/g, "\\begin{bmatrix}")
    .replace(/\\end\{matrix\}\\right\]/g, "\\end{bmatrix}");
  text = text.replace(LEFT_RE, (_m, d: string) => (d === "." ? "" : d));
  text = text.replace(RIGHT_RE, (_m, d: string) => (d === "." ? "" : d));
  text = text.replace(TO_REMOVE_RE, "");
  for (const [re, rep] of REPLACEMENTS[version]) text = text.replace(re, rep);
  text = text.replace(/[\n\t\r]/g, " ");
  if (!text.includes("matrix")) text = text.replace(/\\\\(?=[a-zA-Z])/g, "\\");
  return text;
}

function stripUnits(input: string, version: UpstreamVersion): string {
  let text = input;
  if (version === "0.5.2") {
    const stripped = text.replace(TEXT_TO_END_RE, "").trim();
    if (stripped !== "" && stripped !== text) text = stripped;
    return text.replace(/\\text\s*\{\s*\}/g, " ");
  }
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

/**
 * Normalise a LaTeX answer string according to `config` (missing fields take {@link DEFAULT_NORMALIZATION});
 * `version` picks the upstream behaviour where latex2sympy2_extended versions differ (boxes, "and", percent).
 */
export function normalizeLatex(
  input: string,
  config: Partial<NormalizationConfig> = {},
  version: UpstreamVersion = "0.5.2",
): string {
  const cfg = { ...DEFAULT_NORMALIZATION, ...config };
  let text = input;
  if (cfg.boxed !== "none") text = extractBoxed(text, cfg.boxed, version);
  if (cfg.basic_latex) text = basicLatex(text, version);
  if (cfg.equations && !text.includes(",") && !text.includes(";")) {
    const parts = text.split(/(?<![\\<!>])=/);
    if (parts.length > 2) text = parts[parts.length - 1];
  }
  if (cfg.units) text = stripUnits(text, version);
  if (cfg.nits) {
    if (text.startsWith(".")) text = `0${text}`;
    if (text.trim() === "0.5") text = "\\frac{1}{2}";
  }
  if (cfg.malformed_operators) text = fixMalformed(text.trim());
  return text.trim();
}

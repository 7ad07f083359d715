/**
 * Answer structure read from compute-engine's non-canonical MathJSON, following how latex2sympy2_extended
 * 1.0.6 (the parser Math-Verify 0.5.2 pins) builds SymPy objects: `PS.g4` rule `math` and `convert_*` in
 * huggingface/latex2sympy2_extended@5ca648f `src/latex2sympy2_extended/latex2sympy2.py`.
 */

/** MathJSON as produced by compute-engine (loosely typed on purpose). */
export type Json = unknown;

/** Relation operators (compute-engine heads). */
export type RelOp = "Equal" | "NotEqual" | "Less" | "LessEqual" | "Greater" | "GreaterEqual";

/** One relation `lhs op rhs`. */
export interface Rel {
  t: "rel";
  op: RelOp;
  lhs: Node;
  rhs: Node;
}

/** A structured answer (the SymPy class it stands for in brackets). */
export type Node =
  | { t: "scalar"; e: Json }
  | { t: "text"; s: string }
  /** FiniteSet; `items` keep the written order (latex2sympy2_extended's `_unsorted_args`). */
  | { t: "set"; items: Node[] }
  /** Tuple. */
  | { t: "tuple"; items: Node[] }
  | { t: "interval"; lo: Json; hi: Json; loOpen: boolean; hiOpen: boolean }
  | { t: "union"; items: Node[] }
  | Rel
  /** `And` of relations: a chain `a < b < c` or `a = b = c`. */
  | { t: "and"; items: Rel[] }
  | { t: "matrix"; rows: Json[][] };

/** Decides `a ≤ b` (`undefined` when unknown, e.g. symbolic) — the worker passes compute-engine's numerics. */
export type Compare = (a: Json, b: Json) => number | undefined;

const RELATIONS = new Set<string>(["Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual"]);
/** compute-engine symbols that are numbers, not variables, in SymPy. */
const CONSTANTS = new Set([
  "Pi",
  "ExponentialE",
  "ImaginaryUnit",
  "PositiveInfinity",
  "NegativeInfinity",
  "ComplexInfinity",
  "NaN",
  "EmptySet",
  "Nothing",
  "RealNumbers",
  "Integers",
  "RationalNumbers",
  "ComplexNumbers",
  "NaturalNumbers",
]);

export function head(j: Json): string | undefined {
  return Array.isArray(j) && typeof j[0] === "string" ? j[0] : undefined;
}

export function args(j: Json): Json[] {
  return Array.isArray(j) ? j.slice(1) : [];
}

function delimiterItems(j: Json): { items: Json[]; delim: string } {
  const [body, delim] = args(j);
  const items = head(body) === "Sequence" ? args(body) : body === undefined ? [] : [body];
  return { items, delim: typeof delim === "string" ? delim : "'(,)'" };
}

function isRelHead(h: string | undefined): boolean {
  return h !== undefined && (RELATIONS.has(h) || h === "Approx" || h === "Element");
}

/**
 * Build the structure of a parsed answer (latex2sympy2_extended `math` rule): `x = 1, 2` is `Eq(x, {1, 2})`
 * (`set_elements_relation`), `x = 1, y = 2` a set of equations, `a; b` groups (a set of tuples when a group
 * has several elements), `a, b` a set.
 */
export function toNode(j: Json, cmp: Compare): Node {
  const groups = topGroups(j);
  const first = groups[0]?.[0];
  const h = head(first);
  if ((h === "Equal" || h === "Element") && args(first).length === 2) {
    const [lhs, rhs] = args(first);
    const rest = groups.flat().slice(1);
    if (isAtomList(lhs) && !isRelHead(head(rhs)) && rest.every((e) => !isRelHead(head(e)))) {
      const rhsGroups = groups.map((g, i) => (i === 0 ? [rhs, ...g.slice(1)] : g));
      return { t: "rel", op: "Equal", lhs: atomList(lhs, cmp), rhs: convertGroups(rhsGroups, cmp) };
    }
  }
  return convertGroups(groups, cmp);
}

/** Top-level `;` groups of `,` elements. */
function topGroups(j: Json): Json[][] {
  if (head(j) !== "Delimiter") return [[j]];
  const { items, delim } = delimiterItems(j);
  if (delim === "';'") {
    return items.map((g) =>
      head(g) === "Delimiter" && delimiterItems(g).delim === "','" ? delimiterItems(g).items : [g],
    );
  }
  if (delim === "','") return [items];
  return [[j]];
}

/** latex2sympy2_extended `convert_elements_to_set_or_tuple`. */
function convertGroups(groups: Json[][], cmp: Compare): Node {
  const nodes = groups.map((g) => g.flatMap((e) => elementNodes(e, cmp)));
  if (nodes.length === 1) return nodes[0].length === 1 ? nodes[0][0] : { t: "set", items: nodes[0] };
  if (nodes.every((g) => g.length === 1)) return { t: "set", items: nodes.map((g) => g[0]) };
  return { t: "set", items: nodes.map((g) => ({ t: "tuple", items: g })) };
}

/** One element of a comma list; `a \pm b` is two elements (`convert_element`). */
function elementNodes(j: Json, cmp: Compare): Node[] {
  if (head(j) === "Measurement") return plusMinus(j);
  return [node(j, cmp)];
}

function plusMinus(j: Json): Node[] {
  const [a, b] = args(j);
  const pm: Json[] =
    a === 0
      ? [b, ["Negate", b]]
      : [
          ["Add", a, b],
          ["Subtract", a, b],
        ];
  return pm.map((e) => ({ t: "scalar", e }));
}

/** `(x, y)` / `x` on the left of `set_elements_relation` (`atom_expr_list`): a symbol or a tuple of symbols. */
function isAtomList(j: Json): boolean {
  if (typeof j === "string") return isAtom(j);
  if (head(j) === "Delimiter") {
    const { items, delim } = delimiterItems(j);
    return delim === "'(,)'" && items.length > 0 && items.every((x) => typeof x === "string" && isAtom(x));
  }
  return false;
}

/** One letter (not `e`), a Greek letter or an accented letter, with an optional subscript. */
function isAtom(s: string): boolean {
  return !CONSTANTS.has(s) && !s.startsWith("'") && /^(?:[A-DF-Za-df-z]|[a-zA-Z]{2,})(?:_\w+)?$/.test(s);
}

function atomList(j: Json, cmp: Compare): Node {
  if (head(j) === "Delimiter") {
    const { items } = delimiterItems(j);
    if (items.length > 1) return { t: "tuple", items: items.map((x) => node(x, cmp)) };
  }
  return node(j, cmp);
}

/** Structure of one element (no top-level comma handling). */
function node(j: Json, cmp: Compare): Node {
  const h = head(j);
  if (typeof j === "string" && j.startsWith("'") && j.endsWith("'")) return { t: "text", s: j.slice(1, -1) };
  if (j === "EmptySet") return { t: "set", items: [] };
  if (h === "Delimiter") {
    const { items, delim } = delimiterItems(j);
    if (delim === "','" || delim === "';'") return convertGroups(topGroups(j), cmp);
    if (items.length === 1) return node(items[0], cmp);
    if (items.length === 2 && delim === "'(,)'") return intervalOrTuple(items, true, cmp);
    return { t: "tuple", items: items.flatMap((x) => elementNodes(x, cmp)) };
  }
  if (h === "List") {
    const a = args(j);
    if (a.length > 0 && a.every((r) => head(r) === "List")) return { t: "matrix", rows: a.map(args) };
    if (a.length === 1) return node(a[0], cmp);
    if (a.length === 2) return intervalOrTuple(a, false, cmp);
    return { t: "tuple", items: a.flatMap((x) => elementNodes(x, cmp)) };
  }
  if (h === "Set") return { t: "set", items: args(j).flatMap((x) => elementNodes(x, cmp)) };
  if (h === "Tuple" || h === "Sequence") return { t: "tuple", items: args(j).map((x) => node(x, cmp)) };
  if (h === "Interval") {
    const [a, b] = args(j);
    const lo = unOpen(a);
    const hi = unOpen(b);
    return { t: "interval", lo: lo.v, hi: hi.v, loOpen: lo.open, hiOpen: hi.open };
  }
  if (h === "Union") return { t: "union", items: args(j).flatMap((x) => flatUnion(node(x, cmp))) };
  if (h === "Measurement") return { t: "set", items: plusMinus(j) };
  if (isRelHead(h)) return relationChain(j, cmp);
  const m = matrixOf(j);
  if (m) return { t: "matrix", rows: m };
  return { t: "scalar", e: j };
}

function flatUnion(n: Node): Node[] {
  return n.t === "union" ? n.items : [n];
}

function unOpen(j: Json): { v: Json; open: boolean } {
  return head(j) === "Open" ? { v: args(j)[0], open: true } : { v: j, open: false };
}

/**
 * `(a, b)` / `[a, b]` (`convert_interval`): an interval, except a tuple when it would be empty
 * (`b ≤ a` open, `b < a` closed), e.g. `(3, 1)`.
 */
function intervalOrTuple(items: Json[], open: boolean, cmp: Compare): Node {
  const [lo, hi] = items;
  if (
    head(lo) === "Measurement" ||
    head(hi) === "Measurement" ||
    isRelHead(head(lo)) ||
    isRelHead(head(hi))
  ) {
    return { t: "tuple", items: items.flatMap((x) => elementNodes(x, cmp)) };
  }
  const c = cmp(hi, lo);
  if (c !== undefined && (open ? c <= 0 : c < 0))
    return { t: "tuple", items: [node(lo, cmp), node(hi, cmp)] };
  const a = node(lo, cmp);
  const b = node(hi, cmp);
  if (a.t !== "scalar" || b.t !== "scalar") return { t: "tuple", items: [a, b] };
  return { t: "interval", lo: a.e, hi: b.e, loOpen: open, hiOpen: open };
}

/** In-order operands and operators of a relation chain as compute-engine nested it. */
function flattenRelation(j: Json, items: Json[], ops: string[]): void {
  const h = head(j);
  if (!isRelHead(h)) {
    items.push(j);
    return;
  }
  const a = args(j);
  a.forEach((x, i) => {
    if (i > 0) ops.push(h as string);
    flattenRelation(x, items, ops);
  });
}

/**
 * `convert_relation`, left to right: `a < b < c` is `And(a < b, b < c)`; `lhs \approx rhs` is `rhs` when `lhs`
 * is made of symbols only (`x \approx 11` → 11) and `lhs` otherwise; `x \in S` reads as `Eq(x, S)`.
 */
function relationChain(j: Json, cmp: Compare): Node {
  const items: Json[] = [];
  const ops: string[] = [];
  flattenRelation(j, items, ops);
  let acc = node(items[0], cmp);
  ops.forEach((op, i) => {
    const rh = node(items[i + 1], cmp);
    if (op === "Approx") {
      acc = onlySymbols(acc) ? rh : acc;
      return;
    }
    const r = (lhs: Node): Rel => ({
      t: "rel",
      op: (op === "Element" ? "Equal" : op) as RelOp,
      lhs,
      rhs: rh,
    });
    if (acc.t === "and") acc = { t: "and", items: [...acc.items, r(acc.items[acc.items.length - 1].rhs)] };
    else if (acc.t === "rel") acc = { t: "and", items: [acc, r(acc.rhs)] };
    else acc = r(acc);
  });
  return acc;
}

/** Matrix value of sums, differences, negations and products of matrices and scalars, else undefined. */
export function matrixOf(j: Json): Json[][] | undefined {
  const h = head(j);
  const a = args(j);
  if (h === "Matrix") {
    const body = a[0];
    if (head(body) === "List" && args(body).every((r) => head(r) === "List")) return args(body).map(args);
    return undefined;
  }
  if (h === "Delimiter" && a.length >= 1 && head(a[0]) !== "Sequence") return matrixOf(a[0]);
  if (h === "List" && a.length === 1) return matrixOf(a[0]);
  if (h === "Negate") {
    const m = matrixOf(a[0]);
    return m?.map((r) => r.map((x) => ["Negate", x]));
  }
  if (h === "Add" || h === "Subtract") {
    const ms = a.map(matrixOf);
    if (ms.some((m) => m === undefined)) return undefined;
    const [m0, ...rest] = ms as Json[][][];
    if (rest.some((m) => m.length !== m0.length || m.some((r, i) => r.length !== m0[i].length)))
      return undefined;
    return m0.map((r, i) => r.map((x, k) => [h, x, ...rest.map((m) => m[i][k])]));
  }
  if (h === "Multiply" || h === "InvisibleOperator") {
    const ms = a.map(matrixOf);
    if (ms.every((m) => m === undefined)) return undefined;
    // Scalars commute with matrices: collect them, multiply the matrices in order.
    const scalars: Json[] = [];
    let mat: Json[][] | undefined;
    for (let i = 0; i < a.length; i++) {
      const m = ms[i];
      if (!m) scalars.push(a[i]);
      else if (!mat) mat = m;
      else {
        const left: Json[][] = mat;
        if (left[0].length !== m.length) return undefined;
        mat = left.map((r) => m[0].map((_, k) => ["Add", ...r.map((v, q) => ["Multiply", v, m[q][k]])]));
      }
    }
    if (!mat || scalars.length === 0) return mat;
    return mat.map((r) => r.map((v) => ["Multiply", ...scalars, v]));
  }
  return undefined;
}

/** A word spelled as an invisible product of single letters (`Evelyn` parsed as E·v·e·l·y·n), else undefined. */
export function asWord(n: Node): string | undefined {
  if (n.t === "text") return n.s.trim();
  if (n.t !== "scalar") return undefined;
  const e = n.e;
  if (typeof e === "string" && /^[A-Za-z]+$/.test(e)) return e;
  if (
    head(e) === "InvisibleOperator" &&
    args(e).every((a) => typeof a === "string" && /^[A-Za-z]$/.test(a))
  ) {
    return (args(e) as string[]).join("");
  }
  return undefined;
}

/** latex2sympy2_extended `is_expr_of_only_symbols`: every leaf is a symbol (`AB`, `a+b`, `f(x)`, `(p,q)`, `|AB|`, `\frac{NO}{BO}`). */
export function onlySymbols(n: Node): boolean {
  if (n.t === "text") return true;
  if (n.t === "scalar") return onlySymbolsJson(n.e);
  if (n.t === "tuple" || n.t === "set") return n.items.length > 0 && n.items.every(onlySymbols);
  if (n.t === "rel") return onlySymbols(n.lhs) && onlySymbols(n.rhs);
  return false;
}

function onlySymbolsJson(e: Json): boolean {
  if (typeof e === "string") return !CONSTANTS.has(e);
  const h = head(e);
  const a = args(e);
  if (h === undefined || a.length === 0) return false;
  // a - b is Add(a, Mul(-1, b)) and -a is Mul(-1, a) in SymPy: the -1 is not a symbol.
  if (h === "Subtract" || h === "Negate" || h === "Sqrt" || h === "Root") return false;
  if (h === "Delimiter") {
    const { items } = delimiterItems(e);
    return items.length > 0 && items.every(onlySymbolsJson);
  }
  return a.every(onlySymbolsJson);
}

/** An `Eq` or an `And` of `Eq`s (Math-Verify `is_equation`). */
export function isEquation(n: Node): boolean {
  if (n.t === "rel") return n.op === "Equal";
  return n.t === "and" && n.items.length > 0 && n.items.every((r) => r.op === "Equal");
}

/** A relation or an `And` of relations (Math-Verify `is_relation`). */
export function isRelation(n: Node): n is Rel | Extract<Node, { t: "and" }> {
  return n.t === "rel" || n.t === "and";
}

/** Math-Verify `is_assignment_relation`: an equation whose (first) left side is made of symbols only. */
export function isAssignment(n: Node): boolean {
  if (n.t === "rel") return n.op === "Equal" && onlySymbols(n.lhs);
  return isEquation(n) && n.t === "and" && onlySymbols(n.items[0].lhs);
}

/** Math-Verify `take_last_relation`. */
export function lastRelation(n: Node): Rel | undefined {
  if (n.t === "rel") return n;
  if (n.t === "and") return n.items[n.items.length - 1];
  return undefined;
}

/**
 * Answer structure read from compute-engine's non-canonical MathJSON: sets, tuples, lists, intervals,
 * unions, relations, `±`, matrices, text, or a scalar expression. Mirrors how latex2sympy2_extended reads
 * answers for Math-Verify: a bare `a, b` list is a set, `(a, b)` a tuple/open interval, `[a, b]` a closed
 * interval/list, `a \pm b` the set `{a+b, a-b}`.
 */

/** MathJSON as produced by compute-engine (loosely typed on purpose). */
export type Json = unknown;

/** A structured answer. */
export type Node =
  | { t: "scalar"; e: Json }
  | { t: "text"; s: string }
  | { t: "set" | "tuple" | "list" | "union"; items: Node[] }
  | { t: "interval"; lo: Json; hi: Json; loOpen: boolean; hiOpen: boolean }
  | { t: "rel"; op: string; lhs: Node; rhs: Node }
  | { t: "matrix"; rows: Json[][] };

const RELATIONS = new Set(["Equal", "Less", "LessEqual", "Greater", "GreaterEqual", "NotEqual"]);

function head(j: Json): string | undefined {
  return Array.isArray(j) && typeof j[0] === "string" ? j[0] : undefined;
}

function args(j: Json): Json[] {
  return Array.isArray(j) ? j.slice(1) : [];
}

function delimiterItems(j: Json): { items: Json[]; delim: string } {
  const [body, delim] = args(j);
  const items = head(body) === "Sequence" ? args(body) : body === undefined ? [] : [body];
  return { items, delim: typeof delim === "string" ? delim : "'(,)'" };
}

function unOpen(j: Json): { v: Json; open: boolean } {
  return head(j) === "Open" ? { v: args(j)[0], open: true } : { v: j, open: false };
}

/** Build the structure of a parsed answer. */
export function toNode(j: Json): Node {
  const h = head(j);
  if (typeof j === "string" && j.startsWith("'") && j.endsWith("'")) return { t: "text", s: j.slice(1, -1) };
  if (h === "Delimiter") {
    const { items, delim } = delimiterItems(j);
    if (items.length === 1) return toNode(items[0]);
    const kind = delim === "','" || delim === "';'" ? "set" : delim.startsWith("'[") ? "list" : "tuple";
    return { t: kind, items: items.map(toNode) };
  }
  if (h === "Set") return { t: "set", items: args(j).map(toNode) };
  if (h === "List") {
    const a = args(j);
    if (a.length > 0 && a.every((r) => head(r) === "List")) return { t: "matrix", rows: a.map(args) };
    return { t: "list", items: a.map(toNode) };
  }
  if (h === "Matrix") return toNode(args(j)[0]);
  if (h === "Tuple" || h === "Sequence") return { t: "tuple", items: args(j).map(toNode) };
  if (h === "Interval") {
    const [a, b] = args(j);
    const lo = unOpen(a);
    const hi = unOpen(b);
    return { t: "interval", lo: lo.v, hi: hi.v, loOpen: lo.open, hiOpen: hi.open };
  }
  if (h === "Union") return { t: "union", items: args(j).map(toNode) };
  if (h === "Element") return toNode(args(j)[1]);
  if (h === "Measurement") {
    const [a, b] = args(j);
    const pm =
      a === 0
        ? [b, ["Negate", b]]
        : [
            ["Add", a, b],
            ["Subtract", a, b],
          ];
    return { t: "set", items: pm.map((e) => ({ t: "scalar", e }) as Node) };
  }
  if (h !== undefined && RELATIONS.has(h) && args(j).length >= 2) {
    const a = args(j);
    return { t: "rel", op: h, lhs: toNode(a[0]), rhs: toNode(a[a.length - 1]) };
  }
  return { t: "scalar", e: j };
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

/** Whether a node is an equation (an `Equal` relation). */
export function isEquation(n: Node): boolean {
  return n.t === "rel" && n.op === "Equal";
}

/** Whether a node is an assignment `symbol(s) = …` (Math-Verify `is_assignment_relation`). */
export function isAssignmentNode(n: Node): boolean {
  if (n.t !== "rel" || n.op !== "Equal") return false;
  let lhs = n.lhs;
  while (lhs.t === "rel" && lhs.op === "Equal") lhs = lhs.lhs;
  return lhs.t === "scalar" && onlySymbols(lhs.e);
}

function onlySymbols(e: Json): boolean {
  if (typeof e === "string") return !e.startsWith("'");
  const h = head(e);
  if (h === "Subscript") return typeof args(e)[0] === "string";
  if (h === "InvisibleOperator" || h === "Multiply") return args(e).every(onlySymbols);
  return false;
}

/** The last right-hand side of a relation chain `a = b = c` → `c`. */
export function lastRhs(n: Node): Node {
  return n.t === "rel" ? n.rhs : n;
}

/** First lhs of a chain `a = b = c` → `a`. */
export function firstLhs(n: Node): Node {
  let cur = n;
  while (cur.t === "rel" && cur.lhs.t === "rel" && cur.lhs.op === cur.op) cur = cur.lhs;
  return cur.t === "rel" ? cur.lhs : cur;
}

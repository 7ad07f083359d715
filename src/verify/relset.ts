/**
 * A relation in one variable as a set of reals (SymPy `as_set`, which Math-Verify 0.5.2 applies when the gold
 * is a relation and the prediction a set: `-793 < a < 10` equals `(-793, 10)`). Handles what answers use:
 * chains of relations each linear in the variable or in its absolute value; anything else is `undefined`.
 * Endpoints stay exact MathJSON so that they are compared exactly afterwards.
 */
import { args, head, type Json, type Node, type Rel } from "./structure";

/** Numeric evaluation of MathJSON with the variable substituted (NaN when not a finite real). */
export type Evaluate = (e: Json, subs: Record<string, number>) => number;

interface Piece {
  lo: number;
  hi: number;
  loJ: Json;
  hiJ: Json;
  loOpen: boolean;
  hiOpen: boolean;
}

const INF: Json = "PositiveInfinity";
const NEG_INF: Json = ["Negate", "PositiveInfinity"];
const ALL: Piece = { lo: -Infinity, hi: Infinity, loJ: NEG_INF, hiJ: INF, loOpen: true, hiOpen: true };

/** `f(x)` (a letter followed by a parenthesised argument) becomes one symbol, as Math-Verify's `unwrap_fcs`. */
function unwrapCalls(e: Json): Json {
  if (!Array.isArray(e)) return e;
  const h = head(e);
  const a = args(e).map(unwrapCalls);
  if (h === "InvisibleOperator" && a.length === 2 && typeof a[0] === "string" && /^[a-zA-Z]$/.test(a[0])) {
    if (head(a[1]) === "Delimiter") return `${a[0]}_${JSON.stringify(a[1]).replace(/\W+/g, "")}`;
  }
  return [h, ...a];
}

/** The solution set of `rel` (a relation or an And of them) in its single free variable, as a Node. */
export function relationAsSet(
  rel: Rel | { t: "and"; items: Rel[] },
  freeVars: (e: Json) => string[],
  evaluate: Evaluate,
): Node | undefined {
  const rels = rel.t === "and" ? rel.items : [rel];
  const diffs: Array<{ op: string; f: Json }> = [];
  for (const r of rels) {
    if (r.lhs.t !== "scalar" || r.rhs.t !== "scalar") return undefined;
    diffs.push({ op: r.op, f: ["Subtract", unwrapCalls(r.lhs.e), unwrapCalls(r.rhs.e)] });
  }
  const vars = [...new Set(diffs.flatMap((d) => freeVars(d.f)))];
  if (vars.length !== 1) return undefined;
  const v = vars[0];
  let set: Piece[] = [ALL];
  for (const d of diffs) {
    const s = solve(d.op, d.f, v, evaluate);
    if (!s) return undefined;
    set = intersect(set, s);
  }
  return toNode(set);
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * (1 + Math.abs(a) + Math.abs(b));

/** `f(x) op 0` for f linear in x, or linear in |x| (then even). */
function solve(op: string, f: Json, v: string, evaluate: Evaluate): Piece[] | undefined {
  const at = (x: number) => evaluate(f, { [v]: x });
  const f0 = at(0);
  const f1 = at(1);
  const probes = [2, -1.5, 3.7, -2.25];
  if (![f0, f1, ...probes.map(at)].every(Number.isFinite)) return undefined;
  const a = f1 - f0;
  if (probes.every((x) => close(at(x), a * x + f0)) && a !== 0) {
    // Root -f(0)/(f(1) - f(0)), kept exact.
    const f0J = subst(f, v, 0);
    const aJ: Json = ["Subtract", subst(f, v, 1), f0J];
    const root: Json = ["Divide", ["Negate", f0J], aJ];
    return linearSet(op, a > 0, -f0 / a, root);
  }
  const even = probes.every((x) => close(at(x), at(-x)));
  if (even && probes.every((x) => close(at(x), a * Math.abs(x) + f0)) && a !== 0) {
    const f0J = subst(f, v, 0);
    const aJ: Json = ["Subtract", subst(f, v, 1), f0J];
    const root: Json = ["Divide", ["Negate", f0J], aJ];
    const u = intersect(linearSet(op, a > 0, -f0 / a, root), [
      { lo: 0, hi: Infinity, loJ: 0, hiJ: INF, loOpen: false, hiOpen: true },
    ]);
    // |x| ∈ U  ⇔  x ∈ U ∪ −U.
    const mirrored = u.map((p) => ({
      lo: -p.hi,
      hi: -p.lo,
      loJ: negate(p.hiJ),
      hiJ: negate(p.loJ),
      loOpen: p.hiOpen,
      hiOpen: p.loOpen,
    }));
    return union([...mirrored, ...u]);
  }
  return undefined;
}

function negate(j: Json): Json {
  if (j === INF) return NEG_INF;
  if (JSON.stringify(j) === JSON.stringify(NEG_INF)) return INF;
  return ["Negate", j];
}

function subst(f: Json, v: string, x: number): Json {
  if (f === v) return x;
  if (!Array.isArray(f)) return f;
  return [f[0], ...f.slice(1).map((a) => subst(a, v, x))];
}

/** Solutions of `a·x + b op 0` (root r, sign of a). */
function linearSet(op: string, increasing: boolean, r: number, rJ: Json): Piece[] {
  const below: Piece = { lo: -Infinity, hi: r, loJ: NEG_INF, hiJ: rJ, loOpen: true, hiOpen: true };
  const above: Piece = { lo: r, hi: Infinity, loJ: rJ, hiJ: INF, loOpen: true, hiOpen: true };
  const point: Piece = { lo: r, hi: r, loJ: rJ, hiJ: rJ, loOpen: false, hiOpen: false };
  const neg = increasing ? below : above;
  const pos = increasing ? above : below;
  const closed = (p: Piece): Piece => (p === below ? { ...p, hiOpen: false } : { ...p, loOpen: false });
  switch (op) {
    case "Less":
      return [neg];
    case "LessEqual":
      return [closed(neg)];
    case "Greater":
      return [pos];
    case "GreaterEqual":
      return [closed(pos)];
    case "Equal":
      return [point];
    case "NotEqual":
      return [below, above];
    default:
      return [];
  }
}

function intersect(a: Piece[], b: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of a) {
    for (const q of b) {
      const lo = p.lo > q.lo ? p : q.lo > p.lo ? q : { ...p, loOpen: p.loOpen || q.loOpen };
      const hi = p.hi < q.hi ? p : q.hi < p.hi ? q : { ...p, hiOpen: p.hiOpen || q.hiOpen };
      const piece: Piece = {
        lo: lo.lo,
        loJ: lo.loJ,
        loOpen: lo.loOpen,
        hi: hi.hi,
        hiJ: hi.hiJ,
        hiOpen: hi.hiOpen,
      };
      if (piece.lo < piece.hi || (piece.lo === piece.hi && !piece.loOpen && !piece.hiOpen)) out.push(piece);
    }
  }
  return union(out);
}

/** Sort and merge touching pieces. */
function union(pieces: Piece[]): Piece[] {
  const sorted = [...pieces].sort((x, y) => x.lo - y.lo || Number(x.loOpen) - Number(y.loOpen));
  const out: Piece[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && (p.lo < last.hi || (p.lo === last.hi && !(p.loOpen && last.hiOpen)))) {
      if (p.hi > last.hi || (p.hi === last.hi && !p.hiOpen)) {
        out[out.length - 1] = { ...last, hi: p.hi, hiJ: p.hiJ, hiOpen: p.hiOpen };
      }
    } else out.push(p);
  }
  return out;
}

function toNode(set: Piece[]): Node {
  const nodes: Node[] = set.map((p) =>
    p.lo === p.hi
      ? { t: "set", items: [{ t: "scalar", e: p.loJ }] }
      : { t: "interval", lo: p.loJ, hi: p.hiJ, loOpen: p.loOpen, hiOpen: p.hiOpen },
  );
  if (nodes.length === 0) return { t: "set", items: [] };
  return nodes.length === 1 ? nodes[0] : { t: "union", items: nodes };
}

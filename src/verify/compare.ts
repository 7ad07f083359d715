/**
 * Engine-side equivalence (runs inside a worker): Math-Verify's `sympy_expr_eq` decision order, on
 * compute-engine 0.140.0. Structured answers (sets, tuples, intervals, relations, matrices) are compared
 * element-wise; scalars by exact identity, then decimal rounding when a side is a float, then symbolic
 * simplification of the difference, then random-point evaluation for expressions with free variables.
 */
import { ComputeEngine, isNumber } from "@cortex-js/compute-engine";
import {
  asWord,
  firstLhs,
  isAssignmentNode,
  isEquation,
  type Json,
  lastRhs,
  type Node,
  toNode,
} from "./structure";

/** Options of one engine comparison. */
export interface CompareOptions {
  precision: number;
  strict: boolean;
}

type Expr = ReturnType<ComputeEngine["box"]>;

let engine: ComputeEngine | undefined;

function ce(): ComputeEngine {
  engine ??= new ComputeEngine();
  return engine;
}

/** Compare two normalised answers (gold first: the rule is asymmetric). Throws on engine errors. */
export function compareLatex(gold: string, target: string, opts: CompareOptions): boolean {
  const g = toNode(ce().parse(gold, { form: "raw" }).json as Json);
  const t = toNode(ce().parse(target, { form: "raw" }).json as Json);
  return compareTop(g, t, opts);
}

function compareTop(gold: Node, target: Node, opts: CompareOptions): boolean {
  let g = gold;
  let t = target;
  const gAssign = isAssignmentNode(g);
  if (gAssign) g = { t: "rel", op: "Equal", lhs: firstLhs(g), rhs: lastRhs(g) };
  if (isAssignmentNode(t)) t = { t: "rel", op: "Equal", lhs: firstLhs(t), rhs: lastRhs(t) };
  if (isEquation(t) && !isEquation(g)) t = lastRhs(t);
  else if (gAssign && !isEquation(t)) g = lastRhs(g);
  return nodeEq(g, t, opts);
}

function nodeEq(g: Node, t: Node, opts: CompareOptions): boolean {
  if (JSON.stringify(g) === JSON.stringify(t)) return true;
  const gw = asWord(g);
  const tw = asWord(t);
  if (gw !== undefined && tw !== undefined) return wordsEq(gw, tw);
  if (g.t === "rel" || t.t === "rel") return g.t === "rel" && t.t === "rel" && relEq(g, t, opts);
  if (g.t === "scalar" && t.t === "scalar") return scalarEq(g.e, t.e, opts);
  if (g.t === "matrix" || t.t === "matrix") return matrixEq(g, t, opts);
  return collectionEq(g, t, opts);
}

function wordsEq(a: string, b: string): boolean {
  return a.length > 1 || b.length > 1 ? a.toLowerCase() === b.toLowerCase() : a === b;
}

type Collection = Extract<Node, { items: Node[] }>;

/** Sets, tuples, lists, intervals and unions (Math-Verify `sympy_compare_sets`). */
function collectionEq(g: Node, t: Node, opts: CompareOptions): boolean {
  const a = asCollection(g);
  const b = asCollection(t);
  if (a.t === "interval" || b.t === "interval") return intervalEq(a, b, opts);
  if (a.t === "union" || b.t === "union") {
    return a.t === "union" && b.t === "union" && unorderedEq(a.items, b.items, opts);
  }
  if (a.t === "set" || b.t === "set") {
    // Sets drop repeated elements (sympy's FiniteSet does), so {a, a} = {a}.
    const x = a.t === "set" ? dedupe(a.items, opts) : a.items;
    const y = b.t === "set" ? dedupe(b.items, opts) : b.items;
    return unorderedEq(x, y, opts);
  }
  if (a.items.length !== b.items.length) return false;
  if (a.t !== b.t) return false;
  return a.items.every((x, i) => nodeEq(x, b.items[i], opts));
}

function asCollection(n: Node): Collection | Extract<Node, { t: "interval" }> {
  if (n.t === "interval" || n.t === "set" || n.t === "tuple" || n.t === "list" || n.t === "union") return n;
  return { t: "set", items: [n] };
}

function intervalEq(a: Node, b: Node, opts: CompareOptions): boolean {
  const x = asInterval(a);
  const y = asInterval(b);
  if (!x || !y) return false;
  return (
    x.loOpen === y.loOpen && x.hiOpen === y.hiOpen && scalarEq(x.lo, y.lo, opts) && scalarEq(x.hi, y.hi, opts)
  );
}

/** Intervals, with `(a,b)` tuples read as open and `[a,b]` lists as closed intervals. */
function asInterval(n: Node): Extract<Node, { t: "interval" }> | undefined {
  if (n.t === "interval") return n;
  if ((n.t === "tuple" || n.t === "list") && n.items.length === 2) {
    const [lo, hi] = n.items;
    if (lo.t !== "scalar" || hi.t !== "scalar") return undefined;
    const open = n.t === "tuple";
    return { t: "interval", lo: lo.e, hi: hi.e, loOpen: open, hiOpen: open };
  }
  return undefined;
}

function dedupe(items: Node[], opts: CompareOptions): Node[] {
  if (items.length > 24) return items;
  const out: Node[] = [];
  for (const x of items) if (!out.some((y) => nodeEq(y, x, opts))) out.push(x);
  return out;
}

/** Perfect matching between two small multisets under `nodeEq`. */
function unorderedEq(a: Node[], b: Node[], opts: CompareOptions): boolean {
  if (a.length !== b.length || a.length > 24) return false;
  const used = new Array<boolean>(b.length).fill(false);
  const memo = new Map<string, boolean>();
  const eq = (i: number, j: number) => {
    const k = `${i},${j}`;
    let v = memo.get(k);
    if (v === undefined) {
      v = nodeEq(a[i], b[j], opts);
      memo.set(k, v);
    }
    return v;
  };
  const assign = (i: number): boolean => {
    if (i === a.length) return true;
    for (let j = 0; j < b.length; j++) {
      if (used[j] || !eq(i, j)) continue;
      used[j] = true;
      if (assign(i + 1)) return true;
      used[j] = false;
    }
    return false;
  };
  return assign(0);
}

function matrixEq(g: Node, t: Node, opts: CompareOptions): boolean {
  const rows = (n: Node): Json[][] | undefined => {
    if (n.t === "matrix") return n.rows;
    if ((n.t === "tuple" || n.t === "list") && n.items.every((x) => x.t === "scalar")) {
      return n.items.map((x) => [(x as { e: Json }).e]);
    }
    return undefined;
  };
  const a = rows(g);
  const b = rows(t);
  if (!a || !b || a.length !== b.length) return false;
  return a.every((r, i) => r.length === b[i].length && r.every((x, j) => scalarEq(x, b[i][j], opts)));
}

const FLIP: Record<string, string> = {
  Less: "Greater",
  Greater: "Less",
  LessEqual: "GreaterEqual",
  GreaterEqual: "LessEqual",
  Equal: "Equal",
  NotEqual: "NotEqual",
};

/** Relations: same operator with equal (or, for =, proportional) `lhs − rhs`; or the flipped operator. */
function relEq(
  g: Extract<Node, { t: "rel" }>,
  t: Extract<Node, { t: "rel" }>,
  opts: CompareOptions,
): boolean {
  if (g.lhs.t !== "scalar" || g.rhs.t !== "scalar" || t.lhs.t !== "scalar" || t.rhs.t !== "scalar") {
    return g.op === t.op && nodeEq(g.lhs, t.lhs, opts) && nodeEq(g.rhs, t.rhs, opts);
  }
  const dg: Json = ["Subtract", g.lhs.e, g.rhs.e];
  const dt: Json = ["Subtract", t.lhs.e, t.rhs.e];
  if (g.op === t.op && scalarEq(dg, dt, opts)) return true;
  if (FLIP[g.op] === t.op && scalarEq(dg, ["Negate", dt], opts)) return true;
  if (g.op === "Equal" && t.op === "Equal") return proportional(box(dg), box(dt));
  return false;
}

/** `a/b` is a non-zero constant (the same equation scaled): symbolically, or at several sample points. */
function proportional(a: Expr, b: Expr): boolean {
  const ratio = box(["Divide", a, b]).simplify();
  if (ratio.freeVariables.length === 0) {
    const v = ratio.N();
    return Number.isFinite(v.re) && v.re !== 0 && Math.abs(v.im) < 1e-12;
  }
  const vars = [...new Set([...a.freeVariables, ...b.freeVariables])];
  if (vars.length > 6) return false;
  const ratios: number[] = [];
  for (let k = 0; k < SAMPLE_POINTS.length; k++) {
    const subs = samplePoint(vars, k);
    const x = a.subs(subs).N().re;
    const y = b.subs(subs).N().re;
    if (Number.isFinite(x) && Number.isFinite(y) && y !== 0) ratios.push(x / y);
  }
  return (
    ratios.length >= 3 &&
    ratios[0] !== 0 &&
    ratios.every((r) => Math.abs(r - ratios[0]) <= 1e-9 * Math.abs(ratios[0]))
  );
}

function samplePoint(vars: string[], k: number): Record<string, number> {
  const subs: Record<string, number> = {};
  vars.forEach((v, i) => {
    subs[v] = SAMPLE_POINTS[(k + i) % SAMPLE_POINTS.length] + 0.1 * i;
  });
  return subs;
}

function box(j: Json): Expr {
  return ce().box(j as Parameters<ComputeEngine["box"]>[0]);
}

/** True for a decimal literal such as `0.333` or `3.8e35` (Math-Verify Float). */
function isFloatLiteral(j: Json): boolean {
  if (typeof j === "number") return !Number.isInteger(j) || Math.abs(j) >= 1e21;
  if (j && typeof j === "object" && !Array.isArray(j) && "num" in j) return /[.eE]/.test(String(j.num));
  if (Array.isArray(j) && j[0] === "Negate") return isFloatLiteral(j[1]);
  return false;
}

/** Scalar equality (Math-Verify `sympy_str_eq` → `sympy_numeric_eq` → `sympy_symbolic_eq`). */
export function scalarEq(a: Json, b: Json, opts: CompareOptions): boolean {
  const A = box(a);
  const B = box(b);
  if (A.isSame(B)) return true;
  if (isFloatLiteral(a) || isFloatLiteral(b)) return roundedEq(A, B, opts.precision);
  const vars = [...new Set([...A.freeVariables, ...B.freeVariables])];
  if (vars.length === 0) {
    // Exact values decide exactly (CE's isEqual has a tolerance: 2^100 would equal 2^100 + 1).
    const ea = A.evaluate();
    const eb = B.evaluate();
    if (isNumber(ea) && isNumber(eb) && ea.isExact && eb.isExact) return ea.isSame(eb);
    if (A.isEqual(B) === true) return true;
  }
  const diff = box(["Subtract", A, opts.strict ? B : renameVars(A, B)]).simplify();
  if (diff.is(0)) return true;
  return sampledZero(A, opts.strict ? B : renameVars(A, B), vars);
}

function renameVars(A: Expr, B: Expr): Expr {
  const av = [...A.freeVariables].sort();
  const bv = [...B.freeVariables].sort();
  if (av.length !== bv.length || av.length === 0) return B;
  const subs: Record<string, string> = {};
  bv.forEach((v, i) => {
    subs[v] = av[i];
  });
  return B.subs(subs);
}

function roundedEq(A: Expr, B: Expr, places: number): boolean {
  const a = A.N();
  const b = B.N();
  if (Math.abs(a.im) > 0 || Math.abs(b.im) > 0) return false;
  const x = a.re;
  const y = b.re;
  if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
  const big = Math.max(Math.abs(x), Math.abs(y));
  if (big >= 1e9) return Math.abs(x - y) <= big * 10 ** -(places + 3);
  const f = 10 ** places;
  return Math.round(x * f) === Math.round(y * f) && sameSignificant(x, y, places);
}

/**
 * Below 1 in magnitude, decimal places alone would equate 1.77e-6 and 1.78e-6 (Math-Verify does); we also
 * require `digits` significant digits to agree there.
 */
export function sameSignificant(x: number, y: number, digits: number): boolean {
  if (Math.max(Math.abs(x), Math.abs(y)) >= 1) return true;
  return Number(x.toPrecision(digits)) === Number(y.toPrecision(digits));
}

const SAMPLE_POINTS = [0.5813, 1.3271, -0.6437, 2.1179];

/** Both sides agree at several real points (relative 1e-9); a cheap identity test when simplify fails. */
function sampledZero(A: Expr, B: Expr, vars: string[]): boolean {
  if (vars.length === 0 || vars.length > 6) return false;
  let checked = 0;
  for (let k = 0; k < SAMPLE_POINTS.length; k++) {
    const subs = samplePoint(vars, k);
    const x = A.subs(subs).N();
    const y = B.subs(subs).N();
    const xr = x.re;
    const yr = y.re;
    if (!Number.isFinite(xr) || !Number.isFinite(yr)) continue;
    const scale = 1 + Math.max(Math.abs(xr), Math.abs(yr));
    if (Math.abs(xr - yr) > 1e-9 * scale || Math.abs(x.im - y.im) > 1e-9 * scale) return false;
    checked++;
  }
  return checked >= 2;
}

/**
 * Engine-side equivalence (runs inside a worker): Math-Verify 0.5.2 `sympy_expr_eq` (huggingface/Math-Verify
 * @2fce00c `src/math_verify/grader.py`) on compute-engine 0.140.0. The decision order is upstream's: assignment
 * and equation reduction, relation → set, structural identity, relations, sets/tuples/intervals, then scalars
 * by exact identity, decimal rounding when a side is a float, symbolic simplification of the difference, and
 * random-point evaluation for expressions with free variables.
 */
import { ComputeEngine, isNumber } from "@cortex-js/compute-engine";
import { relationAsSet } from "./relset";
import {
  asWord,
  isAssignment,
  isEquation,
  isRelation,
  type Json,
  lastRelation,
  type Node,
  type Rel,
  toNode,
} from "./structure";
import { engineLatex } from "./syntax";
import type { UpstreamVersion } from "./types";

/** Options of one engine comparison. */
export interface CompareOptions {
  precision: number;
  strict: boolean;
  /** Upstream behaviour to follow where Math-Verify versions differ (default "0.5.2"). */
  version?: UpstreamVersion;
}

type Expr = ReturnType<ComputeEngine["box"]>;

let engine: ComputeEngine | undefined;

function ce(): ComputeEngine {
  engine ??= new ComputeEngine();
  return engine;
}

/** Sign of `a − b` when both are finite reals, else undefined (decides `(3, 1)` tuple vs `(1, 3)` interval). */
function compareNumbers(a: Json, b: Json): number | undefined {
  try {
    const x = box(a).N();
    const y = box(b).N();
    if (x.im !== 0 || y.im !== 0 || !Number.isFinite(x.re) || !Number.isFinite(y.re)) return undefined;
    return Math.sign(x.re - y.re);
  } catch {
    return undefined;
  }
}

function parseNode(latex: string, opts: CompareOptions): Node {
  const prepared = engineLatex(latex, opts.version);
  if (prepared === undefined) throw new Error(`unparseable: ${latex}`);
  return toNode(ce().parse(prepared, { form: "raw" }).json as Json, compareNumbers);
}

/**
 * Compare two normalised answers (gold first: the rule is asymmetric). Throws on engine errors. Each
 * comparison runs in its own scope: compute-engine declares symbols as it meets them (`f` in `f(y)` becomes a
 * function), and a verdict must not depend on the pairs a worker saw before.
 */
export function compareLatex(gold: string, target: string, opts: CompareOptions): boolean {
  const engine = ce();
  engine.pushScope();
  try {
    return exprEq(parseNode(gold, opts), parseNode(target, opts), opts);
  } finally {
    engine.popScope();
  }
}

/** Math-Verify `sympy_expr_eq`. */
function exprEq(gold: Node, target: Node, opts: CompareOptions): boolean {
  let g = gold;
  let t = target;
  // `k = 5` (assignment gold) vs `5`: compare 5; `x = 5` (equation prediction) vs `5`: compare 5.
  if (isAssignment(g) && !isEquation(t)) g = (lastRelation(g) as Rel).rhs;
  if (isEquation(t) && !isEquation(g)) t = (lastRelation(t) as Rel).rhs;
  if (isRelation(g) && isSet(t)) g = relationAsSet(g, freeVars, evaluate) ?? g;
  if (JSON.stringify(g) === JSON.stringify(t)) return true;
  const gw = asWord(g);
  const tw = asWord(t);
  if (gw !== undefined && tw !== undefined) return wordsEq(gw, tw);
  if (isRelation(g) || isRelation(t)) return isRelation(g) && isRelation(t) && relationsEq(g, t, opts);
  if (isCollection(g) || isCollection(t)) return setsEq(g, t, opts);
  if (g.t === "matrix" || t.t === "matrix") return matrixEq(g, t, opts);
  if (g.t === "scalar" && t.t === "scalar") return scalarEq(g.e, t.e, opts);
  return false;
}

function wordsEq(a: string, b: string): boolean {
  return a.length > 1 || b.length > 1 ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** SymPy `Set` (not Tuple). */
function isSet(n: Node): boolean {
  return n.t === "set" || n.t === "interval" || n.t === "union";
}

function isCollection(n: Node): boolean {
  return isSet(n) || n.t === "tuple";
}

type Collection = Extract<Node, { t: "set" | "tuple" | "union" | "interval" }>;

/** Math-Verify `sympy_compare_sets`. */
function setsEq(gold: Node, target: Node, opts: CompareOptions): boolean {
  const a: Collection = isCollection(gold) ? (gold as Collection) : { t: "set", items: [gold] };
  const b: Collection = isCollection(target) ? (target as Collection) : { t: "set", items: [target] };
  if (a.t === "interval" && b.t === "interval") return intervalEq(a, b, opts);
  if (isSet(a) && isSet(b) && sameSet(a, b, opts)) return true;
  if ((a.t === "set" || a.t === "tuple") && (b.t === "set" || b.t === "tuple")) return deepEq(a, b, opts);
  // `(1, 2)` is an open interval, `1, 2` a set: compare the endpoints as a tuple.
  if (
    a.t === "interval" &&
    a.loOpen &&
    a.hiOpen &&
    (b.t === "set" || b.t === "tuple") &&
    b.items.length === 2
  ) {
    return deepEq({ t: "tuple", items: endpoints(a) }, b, opts);
  }
  if (
    b.t === "interval" &&
    b.loOpen &&
    b.hiOpen &&
    (a.t === "set" || a.t === "tuple") &&
    a.items.length === 2
  ) {
    return deepEq(a, { t: "tuple", items: endpoints(b) }, opts);
  }
  return false;
}

function endpoints(i: Extract<Node, { t: "interval" }>): Node[] {
  return [
    { t: "scalar", e: i.lo },
    { t: "scalar", e: i.hi },
  ];
}

/**
 * Math-Verify `sympy_deep_compare_set_and_tuple`: a set gold is compared without order (upstream sorts both
 * sides); a tuple gold keeps its order, against a set prediction in the prediction's written order.
 */
function deepEq(
  a: Extract<Node, { t: "set" | "tuple" }>,
  b: Extract<Node, { t: "set" | "tuple" }>,
  opts: CompareOptions,
): boolean {
  if (a.items.length !== b.items.length) return false;
  if (a.t === "set") return unorderedEq(a.items, b.items, opts);
  return a.items.every((x, i) => exprEq(x, b.items[i], opts));
}

/** Equal as sets of reals: finite sets by element, intervals and unions by their merged pieces. */
function sameSet(a: Collection, b: Collection, opts: CompareOptions): boolean {
  if (a.t === "set" && b.t === "set") {
    return unorderedEq(dedupe(a.items, opts), dedupe(b.items, opts), opts);
  }
  const pa = pieces(a);
  const pb = pieces(b);
  if (!pa || !pb || pa.length !== pb.length) return false;
  return pa.every((p, i) => {
    const q = pb[i];
    if (p.t !== q.t) return false;
    if (p.t === "set" && q.t === "set") return unorderedEq(p.items, q.items, opts);
    return p.t === "interval" && q.t === "interval" && intervalEq(p, q, opts);
  });
}

/** A union's parts sorted by their lower end (numerically); undefined when an end is not a real number. */
function pieces(n: Collection): Collection[] | undefined {
  const parts = n.t === "union" ? n.items : [n];
  const keyed: Array<{ k: number; p: Collection }> = [];
  for (const p of parts) {
    if (p.t === "interval") keyed.push({ k: numeric(p.lo), p });
    else if (p.t === "set" && p.items.length === 1 && p.items[0].t === "scalar") {
      keyed.push({ k: numeric(p.items[0].e), p });
    } else return undefined;
  }
  if (keyed.some((x) => Number.isNaN(x.k))) return undefined;
  return keyed.sort((x, y) => x.k - y.k).map((x) => x.p);
}

function numeric(e: Json): number {
  try {
    const v = box(e).N();
    return v.im === 0 ? v.re : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function intervalEq(
  x: Extract<Node, { t: "interval" }>,
  y: Extract<Node, { t: "interval" }>,
  opts: CompareOptions,
): boolean {
  return (
    x.loOpen === y.loOpen && x.hiOpen === y.hiOpen && scalarEq(x.lo, y.lo, opts) && scalarEq(x.hi, y.hi, opts)
  );
}

function dedupe(items: Node[], opts: CompareOptions): Node[] {
  if (items.length > 24) return items;
  const out: Node[] = [];
  for (const x of items) if (!out.some((y) => exprEq(y, x, opts))) out.push(x);
  return out;
}

/** Perfect matching between two small multisets under `exprEq` (gold items first). */
function unorderedEq(a: Node[], b: Node[], opts: CompareOptions): boolean {
  if (a.length !== b.length || a.length > 24) return false;
  const used = new Array<boolean>(b.length).fill(false);
  const memo = new Map<string, boolean>();
  const eq = (i: number, j: number) => {
    const k = `${i},${j}`;
    let v = memo.get(k);
    if (v === undefined) {
      v = exprEq(a[i], b[j], opts);
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
    // A column vector written as a tuple (a deliberate leniency: Math-Verify compares it as a set).
    if (n.t === "tuple" && n.items.every((x) => x.t === "scalar")) {
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
};

/**
 * Math-Verify `sympy_compare_relational`: same operator with equal `lhs − rhs`, or the flipped operator with
 * opposite `lhs − rhs`; chains pairwise. Version "later" also equates two equations whose `lhs − rhs` are
 * proportional (`2x + 4y - 3 = 0` and `y = -\frac{1}{2}x + \frac{3}{4}`), as later Math-Verify does.
 */
function relationsEq(
  g: Rel | { t: "and"; items: Rel[] },
  t: Rel | { t: "and"; items: Rel[] },
  opts: CompareOptions,
) {
  if (g.t === "and" || t.t === "and") {
    if (g.t !== "and" || t.t !== "and") return false;
    const n = Math.min(g.items.length, t.items.length);
    return g.items.slice(0, n).every((x, i) => relEq(x, t.items[i], opts));
  }
  return relEq(g, t, opts);
}

function relEq(g: Rel, t: Rel, opts: CompareOptions): boolean {
  if (g.lhs.t !== "scalar" || g.rhs.t !== "scalar" || t.lhs.t !== "scalar" || t.rhs.t !== "scalar") {
    return g.op === t.op && exprEq(g.lhs, t.lhs, opts) && exprEq(g.rhs, t.rhs, opts);
  }
  const dg: Json = ["Subtract", g.lhs.e, g.rhs.e];
  const dt: Json = ["Subtract", t.lhs.e, t.rhs.e];
  if (g.op === t.op && scalarEq(dg, dt, opts)) return true;
  if (FLIP[g.op] === t.op && scalarEq(dg, ["Negate", dt], opts)) return true;
  if (g.op === "Equal" && t.op === "Equal" && opts.version === "later") return proportional(box(dg), box(dt));
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

function freeVars(e: Json): string[] {
  return [...box(e).freeVariables];
}

function evaluate(e: Json, subs: Record<string, number>): number {
  try {
    const v = box(e).subs(subs).N();
    return Math.abs(v.im) > 1e-12 ? Number.NaN : v.re;
  } catch {
    return Number.NaN;
  }
}

/** True for a decimal literal such as `0.333` or `3.8e35` (Math-Verify Float). */
function isFloatLiteral(j: Json): boolean {
  if (typeof j === "number") return !Number.isInteger(j) || Math.abs(j) >= 1e21;
  if (j && typeof j === "object" && !Array.isArray(j) && "num" in j) return /[.eE]/.test(String(j.num));
  if (Array.isArray(j) && j[0] === "Negate") return isFloatLiteral(j[1]);
  return false;
}

/** SymPy `Number` after `doit()`: an integer, a rational or a decimal (not `\sqrt{2}`, `\pi`). */
function isNumberValue(x: Expr, literalFloat: boolean): boolean {
  if (literalFloat) return true;
  const v = x.evaluate();
  return isNumber(v) && (v.isRational === true || v.isExact === false);
}

/**
 * Scalar equality (Math-Verify `sympy_str_eq` → `sympy_numeric_eq` → `sympy_symbolic_eq`). A decimal is
 * rounded against the other side only when that side is a number too (0.5.2: `1/3` = 0.333333 but
 * `\sqrt{17}` ≠ 4.123106); version "later" rounds against any constant value.
 */
export function scalarEq(a: Json, b: Json, opts: CompareOptions): boolean {
  const A = box(a);
  const B = box(b);
  if (A.isSame(B)) return true;
  const fa = isFloatLiteral(a);
  const fb = isFloatLiteral(b);
  if (fa || fb) {
    if (opts.version === "later" || (isNumberValue(A, fa) && isNumberValue(B, fb))) {
      return roundedEq(A, B, opts.precision);
    }
    if (A.freeVariables.length === 0 && B.freeVariables.length === 0) return false;
  }
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

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import {
  type ExtractionTarget,
  type ParsedAnswer,
  type ParseOptions,
  parse,
  shutdownVerifier,
  verify,
} from "../../src/verify/index";

/**
 * Math-Verify's own test suite as data (../shared/reference/math-verify-cases, skipped when absent), run
 * through `parse` + `verify` with upstream's helper semantics (huggingface/Math-Verify@2fce00c
 * `tests/test_all.py::compare_strings`): the same targets for gold and prediction (`latex` =
 * `LatexExtractionConfig(boxed_match_priority=0)`, `expr` = `ExprExtractionConfig()`), `any_match` with a
 * `first_match` fallback, the case's precision and strict flag. `parse` cases follow `tests/test_configs.py`
 * (`first_match`, no fallback); `default` cases use `parse()` / `verify()` defaults.
 * Prints agreement per upstream test file and per case kind; every disagreement is listed in
 * src/verify/README.md with its reason.
 */
const DIR = path.resolve(__dirname, "../..", "../shared/reference/math-verify-cases");
const haveCases = existsSync(DIR);

interface Case {
  file: string;
  test: string;
  idx?: number;
  kind: "compare" | "parse" | "default";
  gold: string;
  pred?: string;
  expected?: boolean;
  match_types?: Array<"latex" | "expr">;
  precision?: number;
  strict?: boolean;
  ref?: boolean;
  latex?: Omit<Extract<ExtractionTarget, { kind: "latex" }>, "kind">;
  expect_len?: number;
  expect_value?: string;
}

function load(file: string): Case[] {
  return readFileSync(path.join(DIR, file), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Case);
}

type Version = NonNullable<ParseOptions["version"]>;

/** Our verdict on one case (true/false as upstream's assertion would see it). */
async function run(c: Case, version: Version): Promise<boolean> {
  if (c.kind === "parse") {
    const out = parse(c.gold, {
      extraction: [{ kind: "latex", ...c.latex }],
      extractionMode: "first_match",
      fallbackMode: "no_fallback",
      version,
    });
    if (c.expect_len !== undefined) return out.length === c.expect_len;
    const want: ParsedAnswer[] = [{ latex: c.expect_value ?? "", raw: "" }];
    return out.length > 0 && (await verify([out[0]], want, { version }));
  }
  const targets: ExtractionTarget[] | undefined =
    c.kind === "default"
      ? undefined
      : (c.match_types ?? []).map((m) =>
          m === "latex" ? { kind: "latex", boxedMatchPriority: 0 } : { kind: "expr" },
        );
  const opts: ParseOptions = { extraction: targets, version };
  const precision = c.kind === "default" ? undefined : c.precision;
  const strict = c.kind === "default" ? undefined : c.strict;
  return verify(parse(c.gold, opts), parse(c.pred ?? "", opts), { precision, strict, version });
}

interface Tally {
  cases: number;
  agree: number;
  fn: number;
  fp: number;
}

function tally(rows: Array<{ key: string; got: boolean; want: boolean }>): Map<string, Tally> {
  const out = new Map<string, Tally>();
  for (const r of rows) {
    const t = out.get(r.key) ?? { cases: 0, agree: 0, fn: 0, fp: 0 };
    t.cases++;
    if (r.got === r.want) t.agree++;
    else if (r.want) t.fn++;
    else t.fp++;
    out.set(r.key, t);
  }
  return out;
}

function table(title: string, groups: Map<string, Tally>): Tally {
  const total: Tally = { cases: 0, agree: 0, fn: 0, fp: 0 };
  const lines = [`${title}`, `  ${"".padEnd(34)} cases  agree   FN   FP   agreement`];
  const row = (name: string, t: Tally) =>
    `  ${name.padEnd(34)} ${String(t.cases).padStart(5)} ${String(t.agree).padStart(6)} ${String(t.fn).padStart(4)} ${String(t.fp).padStart(4)}   ${((100 * t.agree) / t.cases).toFixed(1)}%`;
  for (const [name, t] of [...groups].sort()) {
    lines.push(row(name, t));
    total.cases += t.cases;
    total.agree += t.agree;
    total.fn += t.fn;
    total.fp += t.fp;
  }
  lines.push(row("all", total));
  console.log(lines.join("\n"));
  return total;
}

interface Outcome {
  c: Case;
  got: boolean;
  /** The verdict the case asks for (`expected`, or true for `parse` assertions). */
  want: boolean;
}

async function runAll(cases: Case[], version: Version, want: (c: Case) => boolean): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const c of cases) out.push({ c, got: await run(c, version), want: want(c) });
  return out;
}

function report(title: string, outcomes: Outcome[]): Tally {
  const rows = (key: (c: Case) => string) =>
    outcomes.map((o) => ({ key: key(o.c), got: o.got, want: o.want }));
  table(`${title}, per upstream test file`, tally(rows((c) => c.file)));
  const total = table(`${title}, per case kind`, tally(rows((c) => c.kind)));
  for (const o of outcomes.filter((x) => x.got !== x.want)) {
    const what = o.want ? "false negative" : "false positive";
    const pair =
      o.c.kind === "parse"
        ? JSON.stringify(o.c.gold)
        : `${JSON.stringify(o.c.gold)} vs ${JSON.stringify(o.c.pred)}`;
    console.log(`  ${what}: ${o.c.file}::${o.c.test}[${o.c.idx ?? "-"}] ${pair.slice(0, 160)}`);
  }
  return total;
}

const expected = (c: Case) => (c.kind === "parse" ? true : c.expected === true);

describe("Math-Verify's test suite, case for case", { skip: !haveCases && "../shared is absent" }, () => {
  after(() => shutdownVerifier());

  it("0.5.2 cases (faithful semantics): ≥ 97% agreement and no false positive", async () => {
    const cases = load("cases-0.5.2.jsonl");
    assert.equal(cases.length, 242, "the 0.5.2 file holds 242 cases");
    const total = report("Math-Verify 0.5.2 cases, faithful", await runAll(cases, "0.5.2", expected));
    assert.ok(total.agree >= Math.ceil(0.97 * total.cases), `agreement ${total.agree}/${total.cases} < 97%`);
    assert.equal(total.fp, 0, "a false positive against Math-Verify 0.5.2");
  });

  it("later cases (5d148cf): against 0.5.2's own verdicts (faithful) and the later expectations", async () => {
    const cases = load("cases-head-5d148cf.jsonl");
    assert.ok(cases.length >= 275, `only ${cases.length} cases`);
    // `ref` is what Math-Verify 0.5.2 itself answered on these inputs; parse assertions have none.
    const withRef = cases.filter((c) => c.kind === "parse" || typeof c.ref === "boolean");
    const vsRef = report(
      "later cases vs Math-Verify 0.5.2's verdicts, faithful",
      await runAll(withRef, "0.5.2", (c) => (c.kind === "parse" ? true : c.ref === true)),
    );
    report("later cases vs their expectations, version 'later'", await runAll(cases, "later", expected));
    assert.ok(
      vsRef.agree >= Math.ceil(0.97 * vsRef.cases),
      `agreement with 0.5.2 ${vsRef.agree}/${vsRef.cases}`,
    );
    assert.equal(vsRef.fp, 0, "a false positive against Math-Verify 0.5.2's own verdict");
  });
});

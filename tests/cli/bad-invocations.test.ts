import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { main } from "../../src/cli/main";

// Bad configs and flags across train / eval / serve / info, each run as the user would: a non-zero exit (2
// for usage, 1 for runtime), one line on stderr naming the flag, key, file or value, and no stack trace.
// Most run in-process (main(argv), stderr captured) to stay fast; a few go through bin/open-rs.js.

const REPO = resolve(__dirname, "../..");
const TINY = join(REPO, "data/models/tiny-r1");
let dir: string;
const f = (name: string) => join(dir, name);

/**
 * A recipe that trains tiny-r1 on a 4-row file, plus `extra` lines (keys the base does not set: a duplicate key
 * is a YAML error).
 */
function recipe(name: string, extra: string, base = true): string {
  const lines = base
    ? [
        `model_name_or_path: ${TINY}`,
        `dataset_name: ${f("train.jsonl")}`,
        `output_dir: ${f(`out-${name}`)}`,
        "num_generations: 4",
        "per_device_train_batch_size: 4",
        "max_prompt_length: 128",
        "max_completion_length: 16",
      ]
    : [];
  writeFileSync(f(`${name}.yaml`), [...lines, extra].join("\n"));
  return f(`${name}.yaml`);
}

type Case = { argv: string[]; code: 1 | 2; names: RegExp };

function cases(port: number): Case[] {
  const u = (argv: string[], names: RegExp): Case => ({ argv, code: 2, names });
  const r = (argv: string[], names: RegExp): Case => ({ argv, code: 1, names });
  const serve = (...a: string[]) => ["serve", "--model", TINY, ...a];
  const evalM = (...a: string[]) => ["eval", "--model", TINY, "--benchmarks", f("bench.jsonl"), ...a];
  const train = (yaml: string, ...a: string[]) => ["train", "--config", yaml, ...a];
  const ok = f("ok.yaml");
  return [
    // ---- serve: usage
    u(["serve"], /--model DIR is required/),
    u(serve("--port", "abc"), /--port must be an integer in 1–65535, got "abc"/),
    u(serve("--port", "70000"), /--port must be an integer in 1–65535, got "70000"/),
    u(serve("--port=-1"), /--port must be an integer in 1–65535/),
    u(serve("--port", "1.5"), /--port must be an integer/),
    u(serve("--host", "example.com"), /--host must be an IP address .* or localhost, got "example\.com"/),
    u(serve("--host", "256.1.1.1"), /--host must be an IP address/),
    u(serve("--max-batch", "0"), /--max-batch must be an integer ≥ 1, got "0"/),
    u(serve("--micro-batch", "0"), /--micro-batch must be an integer ≥ 1/),
    u(serve("--default-max-tokens", "0"), /--default-max-tokens must be an integer ≥ 1/),
    u(serve("--max-sequences", "x"), /--max-sequences must be an integer ≥ 1/),
    u(serve("--max-n", "0"), /--max-n must be an integer ≥ 1/),
    u(serve("--max-prompt-chars=-5"), /--max-prompt-chars must be an integer ≥ 1/),
    u(serve("--max-model-len", "0"), /--max-model-len must be an integer ≥ 1/),
    u(serve("--max-body-mb", "0"), /--max-body-mb must be a number ≥ 0\.001/),
    u(serve("--drain-s", "soon"), /--drain-s must be a number ≥ 0/),
    u(serve("--allow-reload", f("nope")), /--allow-reload .*nope: no such directory/),
    u(serve("--allow-reload", join(TINY, "config.json")), /--allow-reload .*config\.json: not a directory/),
    u(serve("--api-key", ""), /--api-key must be a non-empty key/),
    u(serve("--bogus"), /Unknown option '--bogus'/),
    u(serve("extra"), /Unexpected argument 'extra'/),
    // ---- serve: runtime
    r(["serve", "--model", f("nope")], /nope: no such model directory/),
    r(["serve", "--model", f("empty-dir")], /empty-dir: no config\.json/),
    r(["serve", "--model", f("bad-config")], /bad-config\/config\.json: cannot read JSON/),
    r(
      ["serve", "--model", f("llama-config")],
      /llama-config\/config\.json: field "model_type" is "llama"; only "qwen2"/,
    ),
    r(["serve", "--model", f("nan-model")], /tensor "[^"]+" holds NaN .*OPEN_RS_ALLOW_NONFINITE=1/),
    r(["serve", "--model", TINY, "--tokenizer", f("nope")], /nope: no tokenizer\.json/),
    r(
      ["serve", "--model", TINY, "--tokenizer", f("bad-tokenizer")],
      /bad-tokenizer: tokenizer\.json cannot encode digits/,
    ),
    r(serve("--port", String(port)), new RegExp(`port ${port} is already in use; pick another with --port`)),
    // ---- eval: usage
    u(["eval"], /give exactly one of --model DIR or --base-url URL/),
    u(["eval", "--model", TINY, "--base-url", "http://127.0.0.1:1"], /exactly one of --model/),
    u(evalM("--n", "abc"), /--n must be an integer ≥ 1, got "abc"/),
    u(evalM("--n", "0"), /--n must be an integer ≥ 1/),
    u(evalM("--protocol", "bogus"), /--protocol must be one of paper, avg, got "bogus"/),
    u(evalM("--protocol", "toString"), /--protocol must be one of paper, avg, got "toString"/),
    u(evalM("--protocol", "paper", "--n", "4"), /paper protocol draws n = 1/),
    u(
      ["eval", "--base-url", "http://127.0.0.1:1", "--api", "bogus"],
      /--api must be one of chat, completions/,
    ),
    u(
      ["eval", "--base-url", "http://127.0.0.1:1", "--api", "completions"],
      /--api completions .* pass --tokenizer DIR/,
    ),
    u(evalM("--gold-kind", "bogus"), /--gold-kind must be one of expr, latex, got "bogus"/),
    u(evalM("--gold-field", "bogus"), /--gold-field must be one of answer, solution/),
    u(evalM("--source", "cloud"), /--source must be one of auto, local, hub/),
    u(evalM("--temperature=-1"), /--temperature must be a number ≥ 0/),
    u(evalM("--top-p", "0"), /--top-p must be a number in/),
    u(evalM("--top-p", "2"), /--top-p must be a number in/),
    u(evalM("--seed", "1.5"), /--seed must be an integer/),
    u(evalM("--max-tokens", "0"), /--max-tokens must be an integer ≥ 1/),
    u(evalM("--limit", "abc"), /--limit must be an integer ≥ 1/),
    u(evalM("--batch-size", "0"), /--batch-size must be an integer ≥ 1/),
    u(evalM("--micro-batch", "x"), /--micro-batch must be an integer ≥ 1/),
    u(
      ["eval", "--base-url", "http://127.0.0.1:1", "--concurrency", "0"],
      /--concurrency must be an integer ≥ 1/,
    ),
    u(["eval", "--base-url", "http://127.0.0.1:1", "--timeout", "0"], /--timeout must be a number ≥ 0\.001/),
    u(["eval", "--base-url", "http://127.0.0.1:1", "--retries=-1"], /--retries must be an integer ≥ 0/),
    u(["eval", "--model", TINY, "--benchmarks", "aime25"], /--benchmarks: unknown benchmark "aime25"/),
    u(
      ["eval", "--model", TINY, "--benchmarks", "constructor"],
      /--benchmarks: unknown benchmark "constructor"/,
    ),
    u(["eval", "--base-url", "ftp://x"], /--base-url: "ftp:\/\/x" is not an http\(s\) URL/),
    u(["eval", "--model"], /Option '--model <value>' argument missing/),
    // ---- eval: runtime
    r(["eval", "--model", f("nope")], /nope: no such model directory/),
    r(
      ["eval", "--base-url", "http://127.0.0.1:1"],
      /cannot reach http:\/\/127\.0\.0\.1:1\/v1\/models .* pass --model-name/,
    ),
    r(
      ["eval", "--model", TINY, "--benchmarks", f("missing.jsonl"), "--limit", "1"],
      /benchmark file .*missing\.jsonl does not exist/,
    ),
    r(
      ["eval", "--model", TINY, "--benchmarks", f("binary.jsonl"), "--limit", "1"],
      /binary\.jsonl is binary/,
    ),
    // ---- train: usage
    u(["train"], /--config FILE\.yaml is required/),
    u(["train", "--config"], /Option '--config <value>' argument missing/),
    u(["train", "--bogus"], /Unknown option '--bogus'/),
    u(train(ok, "--backend", "tpu"), /--backend must be one of tensorflow, wasm, cpu, got "tpu"/),
    u(train(ok, "--on-bad-row", "ignore"), /--on-bad-row must be one of skip, fail/),
    u(train(ok, "--set", "max_steps"), /--set max_steps: expected key=value/),
    u(train(ok, "--set", "=3"), /--set =3: expected key=value/),
    u(train(ok, "--resume", "--resume-from", f("x")), /--resume or --resume-from DIR, not both/),
    // ---- train: config keys and values
    r(train(f("nope.yaml")), /--config .*nope\.yaml: no such file/),
    r(train(recipe("ctor", "constructor: 1")), /unknown key constructor/),
    r(train(recipe("tostring", "toString: 1")), /unknown key toString/),
    r(train(recipe("proto", "__proto__: 1")), /unknown key __proto__/),
    r(train(recipe("hasown", "hasOwnProperty: 1")), /unknown key hasOwnProperty/),
    r(train(ok, "--set", "constructor=1"), /unknown key constructor/),
    r(train(ok, "--set", "__proto__=1"), /unknown key __proto__/),
    r(train(ok, "--set", "lr_scheduler_kwargs.__proto__=1"), /lr_scheduler_kwargs\.__proto__ = 1 is invalid/),
    r(train(recipe("loss", "loss_type: bogus")), /loss_type = "bogus" is invalid: use one of/),
    r(
      train(recipe("mode", "mode: constructor")),
      /mode = "constructor" is invalid: use one of faithful, fixed/,
    ),
    r(train(recipe("typo", "learning_rat: 1")), /unknown key learning_rat\. Did you mean learning_rate\?/),
    r(
      train(recipe("lr", "learning_rate: fast")),
      /learning_rate = "fast" is invalid: expected a finite number/,
    ),
    r(train(ok, "--set", "num_generations=1"), /num_generations = 1 is invalid/),
    r(train(ok, "--set", "max_steps=0"), /max_steps = 0 is invalid/),
    r(train(ok, "--set", "temperature=0"), /temperature = 0 is invalid/),
    r(
      train(ok, "--set", "reward_funcs=[bogus]"),
      /reward_funcs = "bogus" is invalid: unknown reward function/,
    ),
    r(
      train(ok, "--set", "reward_weights=[1]"),
      /reward_weights = \[1\] is invalid: needs one weight per reward function/,
    ),
    r(
      train(ok, "--set", "max_completion_length=100000"),
      /max_completion_length \(100000\) = 100128 exceeds the model's context of 512 tokens/,
    ),
    r(
      train(ok, "--set", "per_device_train_batch_size=4000000"),
      /one step needs about .* lower per_device_train_batch_size/,
    ),
    r(train(recipe("qs-key", "quickstart:\n  eval_hardd: 3")), /unknown quickstart key "eval_hardd"/),
    r(train(recipe("qs-ctor", "quickstart:\n  constructor: 3")), /unknown quickstart key "constructor"/),
    r(
      train(recipe("qs-level", "quickstart:\n  train_levels: Medium")),
      /quickstart\.train_levels = "Medium" is invalid: use one of Hard, Easy, mix/,
    ),
    r(train(recipe("qs-eval", "quickstart:\n  eval: {n: 0}")), /quickstart\.eval\.n = 0 is invalid/),
    r(train(recipe("yaml", "a: [1, 2")), /yaml\.yaml: .*(YAML|flow)/i),
    r(train(recipe("list", "- 1", false)), /list\.yaml must be a YAML mapping/),
    r(train(recipe("empty", "", false)), /empty\.yaml must be a YAML mapping/),
    // ---- train: model and data
    r(train(ok, "--model", f("nope")), /model directory .*nope \(--model\) not found/),
    r(train(ok, "--model", f("empty-dir")), /empty-dir \(--model\): no config\.json/),
    r(train(ok, "--dataset", f("missing.jsonl")), /missing\.jsonl: no such file/),
    r(train(ok, "--dataset", "./missing-dir/rows"), /\.\/missing-dir\/rows: no such file; check the path/),
    r(train(ok, "--dataset", f("binary.jsonl")), /binary\.jsonl is binary, not JSON text/),
    r(train(ok, "--dataset", f("empty.jsonl")), /empty\.jsonl is empty/),
    r(train(ok, "--dataset", f("all-bad.jsonl")), /no usable rows in .*all-bad\.jsonl.*all-bad\.jsonl:1/),
    r(train(ok, "--dataset", f("cut.parquet")), /cut\.parquet is truncated/),
    r(
      train(ok, "--dataset", f("some-bad.jsonl"), "--on-bad-row", "fail"),
      /1 bad row\(s\) in .*some-bad\.jsonl:2: required field answer/,
    ),
    // ---- info
    u(["info", "--backend", "tpu"], /--backend must be one of tensorflow, wasm, cpu, got "tpu"/),
    u(["info", "--bogus"], /Unknown option '--bogus'/),
  ];
}

/** Runs main(argv) in this process; returns the exit code and what went to stderr. */
async function inProcess(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const write = process.stderr.write.bind(process.stderr);
  const log = console.log;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  console.log = () => {};
  try {
    return { code: await main(argv), stderr };
  } finally {
    process.stderr.write = write;
    console.log = log;
  }
}

function assertOneLine(label: string, code: number, stderr: string, c: Case): void {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "");
  assert.equal(code, c.code, `${label}: exit ${code}\n${stderr}`);
  assert.equal(lines.length, 1, `${label}: one line expected, got\n${stderr}`);
  assert.match(lines[0], new RegExp(`^open-rs ${c.argv[0]}: `), label);
  assert.match(lines[0], c.names, label);
  assert.ok(
    !/^\s+at |Error: |TypeError|RangeError/.test(stderr),
    `${label}: a stack trace or raw error:\n${stderr}`,
  );
}

describe("bad configs and flags: one clear line, the right exit code, no stack trace", () => {
  let blocker: net.Server;
  let port: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "bad-cli-"));
    const rows = ["1+1", "2+3", "4+4", "5+2"].map((p) =>
      JSON.stringify({ problem: `What is ${p}?`, answer: "2" }),
    );
    writeFileSync(f("train.jsonl"), `${rows.join("\n")}\n`);
    writeFileSync(f("bench.jsonl"), `${rows.join("\n")}\n`);
    writeFileSync(f("some-bad.jsonl"), `${rows[0]}\n{"problem": "no answer"}\n`);
    writeFileSync(f("all-bad.jsonl"), "{not json\n[1, 2]\n");
    writeFileSync(f("empty.jsonl"), "");
    writeFileSync(f("binary.jsonl"), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0xff, 0x10, 0x00]));
    writeFileSync(f("cut.parquet"), Buffer.concat([Buffer.from("PAR1"), Buffer.alloc(40, 7)]));
    recipe("ok", "max_steps: 1");
    mkdirSync(f("empty-dir"));
    mkdirSync(f("bad-config"));
    writeFileSync(f("bad-config/config.json"), "{ not json");
    cpSync(TINY, f("llama-config"), { recursive: true });
    const cfg = JSON.parse(readFileSync(f("llama-config/config.json"), "utf8"));
    writeFileSync(f("llama-config/config.json"), JSON.stringify({ ...cfg, model_type: "llama" }));
    cpSync(TINY, f("nan-model"), { recursive: true });
    const st = readFileSync(f("nan-model/model.safetensors"));
    const data = 8 + Number(st.readBigUInt64LE(0));
    st.writeUInt16LE(0xffc0, data); // a BF16 NaN as the first weight
    writeFileSync(f("nan-model/model.safetensors"), st);
    cpSync(TINY, f("bad-tokenizer"), { recursive: true });
    const tok = JSON.parse(readFileSync(f("bad-tokenizer/tokenizer.json"), "utf8"));
    for (const d of "0123456789") delete tok.model.vocab[d]; // the digits gone: "1+1=" encodes to almost nothing
    writeFileSync(f("bad-tokenizer/tokenizer.json"), JSON.stringify(tok));
    blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    port = (blocker.address() as net.AddressInfo).port;
  });
  after(() => {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("≥ 60 bad invocations, in-process", { timeout: 300_000 }, async (t) => {
    const all = cases(port);
    assert.ok(all.length >= 60, `${all.length} cases`);
    for (const c of all) {
      const { code, stderr } = await inProcess(c.argv);
      assertOneLine(c.argv.join(" "), code, stderr, c);
    }
    t.diagnostic(`${all.length} bad invocations: each one line, the right exit code, no stack trace`);
  });

  it("through bin/open-rs.js too: one line, no stack; OPEN_RS_DEBUG=1 adds the stack", () => {
    const run = (argv: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ["bin/open-rs.js", ...argv], {
        cwd: REPO,
        encoding: "utf8",
        env: { ...process.env, ...env },
        timeout: 60_000,
      });
    const sample: Case[] = [
      { argv: ["train", "--bogus"], code: 2, names: /Unknown option '--bogus'/ },
      { argv: ["train", "--config"], code: 2, names: /--config <value>' argument missing/ },
      { argv: ["eval", "--model", TINY, "--gold-kind", "bogus"], code: 2, names: /--gold-kind/ },
      { argv: ["serve", "--model", TINY, "--port", "70000"], code: 2, names: /--port/ },
      {
        argv: ["train", "--config", recipe("bin-ctor", "constructor: 1")],
        code: 1,
        names: /unknown key constructor/,
      },
    ];
    for (const c of sample) {
      const r = run(c.argv);
      assertOneLine(`bin ${c.argv.join(" ")}`, r.status ?? -1, r.stderr, c);
    }
    const dbg = run(["train", "--config", recipe("bin-dbg", "constructor: 1")], { OPEN_RS_DEBUG: "1" });
    assert.equal(dbg.status, 1);
    assert.match(dbg.stderr, /^open-rs train: GRPO config: unknown key constructor/);
    assert.match(dbg.stderr, /\n\s+at /, "the stack trace with OPEN_RS_DEBUG=1");
  });
});

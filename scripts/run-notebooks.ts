/**
 * Run the notebooks: `npm start` (the quickstart, headless, into reports/00-quickstart.html), `npm run reports`
 * (all five into reports/*.html) and `npm run notebook` (the Jupyter UI with the repo's kernel).
 *
 *   tsx scripts/run-notebooks.ts start | reports [NAME ...] | open
 *
 * Notebooks run with the repo's kernel spec (jupyter/kernels/open-rs, via JUPYTER_PATH). Their parameters
 * cells read these environment variables, so a run can be shrunk without editing a notebook:
 *   OPEN_RS_NB_SCALE            mini (default) | paper
 *   OPEN_RS_NB_STEPS            GRPO steps of each training run
 *   OPEN_RS_NB_EVAL_PROBLEMS    problems per eval set
 *   OPEN_RS_NB_EVAL_SAMPLES     samples per problem for avg@n
 *   OPEN_RS_NB_MAX_TOKENS       completion cap used by evals
 * and OPEN_RS_NB_OUT (default reports/) is where the HTML goes.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** The repository root (this file is scripts/run-notebooks.ts). */
export const REPO_ROOT = path.resolve(__dirname, "..");
/** Where the notebooks live. */
export const NOTEBOOK_DIR = path.join(REPO_ROOT, "notebooks");
/** The kernel spec folder Jupyter is pointed at. */
export const KERNEL_PATH = path.join(REPO_ROOT, "jupyter");

/** How to install what is missing, for the error messages. */
export const INSTALL_HINT =
  "Install Jupyter's headless runner: `sudo apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client` " +
  "(Debian/Ubuntu) or `pip install nbconvert nbclient jupyter_client`.";
const UI_HINT =
  "No Jupyter UI is installed. Install one: `sudo apt-get install -y jupyter-notebook` (Debian/Ubuntu, classic UI) " +
  "or `pip install notebook` / `pip install jupyterlab`; then run `npm run notebook` again. Meanwhile " +
  "`npm run reports` executes every notebook headless into reports/*.html.";

/** The notebooks in run order (file names without `.ipynb`). */
export function listNotebooks(): string[] {
  return readdirSync(NOTEBOOK_DIR)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .map((f) => f.replace(/\.ipynb$/, ""))
    .sort();
}

/** Environment for Jupyter: the repo's kernel spec first on JUPYTER_PATH. */
export function jupyterEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const prev = process.env.JUPYTER_PATH;
  return {
    ...process.env,
    JUPYTER_PATH: prev ? `${KERNEL_PATH}${path.delimiter}${prev}` : KERNEL_PATH,
    ...extra,
  };
}

/** True when `jupyter nbconvert` can run. */
export function hasNbconvert(): boolean {
  const r = spawnSync("jupyter", ["nbconvert", "--version"], { encoding: "utf8" });
  return r.status === 0;
}

/** Result of executing one notebook. */
export interface NotebookRun {
  name: string;
  html: string;
  seconds: number;
  ok: boolean;
  /** Last lines of nbconvert's output when it failed. */
  error?: string;
}

/** Options of {@link executeNotebook}. */
export interface ExecuteOptions {
  /** Output folder for the HTML. Default `OPEN_RS_NB_OUT` or reports/. */
  outDir?: string;
  /** Extra environment (e.g. OPEN_RS_NB_STEPS) for the kernel. */
  env?: Record<string, string>;
  /** Per-cell timeout in seconds (nbclient); default none. */
  cellTimeout?: number;
  /** Echo nbconvert's output while it runs. Default true. */
  echo?: boolean;
}

/** Run a jupyter subcommand; resolves to its exit code and the tail of its output. */
function jupyter(args: string[], opts: ExecuteOptions): Promise<{ code: number; tail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("jupyter", args, { cwd: REPO_ROOT, env: jupyterEnv(opts.env) });
    let tail = "";
    const keep = (buf: Buffer) => {
      tail = (tail + buf.toString()).slice(-8000);
      if (opts.echo ?? true) process.stderr.write(buf);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (e) => reject(new Error(`cannot start jupyter (${e.message}). ${INSTALL_HINT}`)));
    child.on("close", (code) => resolve({ code: code ?? 1, tail }));
  });
}

interface NbCell {
  cell_type: string;
  source: string | string[];
  outputs?: Array<{
    output_type: string;
    name?: string;
    text?: string | string[];
    ename?: string;
    evalue?: string;
  }>;
}

/** What the last code cell of every notebook prints; its absence means a cell failed or was aborted. */
export const COMPLETE_MARK = "notebook complete";

/**
 * Why an executed notebook did not run clean, or null when it did. tslab reports a failing cell only as an
 * error reply (nbclient's `--allow-errors` records no output for it) and aborts the cells after it, so the
 * test is the last cell's {@link COMPLETE_MARK}; the first cell that wrote to stderr is quoted (type errors and
 * exceptions land there).
 */
export function firstFailure(executedIpynb: string): string | null {
  const nb = JSON.parse(readFileSync(executedIpynb, "utf8")) as { cells: NbCell[] };
  const text = (t?: string | string[]) => (Array.isArray(t) ? t.join("") : (t ?? ""));
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  if (outputs.some((o) => o.name === "stdout" && text(o.text).includes(COMPLETE_MARK))) return null;
  for (const [i, cell] of nb.cells.entries()) {
    const stderr = (cell.outputs ?? []).filter((o) => o.name === "stderr" || o.output_type === "error");
    if (stderr.length === 0) continue;
    const src = text(cell.source).split("\n").slice(0, 3).join("\n");
    const msg = stderr.map((o) => text(o.text) || `${o.ename}: ${o.evalue}`).join("");
    return `cell ${i} failed (later cells were aborted):\n${msg}\n--- the cell begins:\n${src}`;
  }
  return `the last cell did not print "${COMPLETE_MARK}": a cell failed or was aborted`;
}

/**
 * Make exported HTML self-contained: drop `<script src="file://...">` tags (Debian's nbconvert points require.js
 * and MathJax at /usr/share/javascript, which is absent on most machines and on every machine the HTML is
 * shared to; nothing of ours needs them, plotly is inlined). Returns the number of tags removed.
 */
export function stripLocalScripts(htmlFile: string): number {
  const html = readFileSync(htmlFile, "utf8");
  let removed = 0;
  const out = html.replace(/<script[^>]*\ssrc="file:\/\/[^"]*"[^>]*>\s*<\/script>/g, () => {
    removed++;
    return "";
  });
  if (removed) writeFileSync(htmlFile, out);
  return removed;
}

/**
 * Execute one notebook headless into `<outDir>/<name>.ipynb` (with outputs) and `<outDir>/<name>.html`.
 * Never throws for a failing notebook: the result says which cell failed and what it printed.
 */
export async function executeNotebook(name: string, opts: ExecuteOptions = {}): Promise<NotebookRun> {
  const outDir = path.resolve(opts.outDir ?? process.env.OPEN_RS_NB_OUT ?? path.join(REPO_ROOT, "reports"));
  mkdirSync(outDir, { recursive: true });
  const input = path.join(NOTEBOOK_DIR, `${name}.ipynb`);
  if (!existsSync(input)) throw new Error(`no notebook ${input}; valid: ${listNotebooks().join(", ")}`);
  const executed = path.join(outDir, `${name}.ipynb`);
  const html = path.join(outDir, `${name}.html`);
  rmSync(html, { force: true });
  const t0 = Date.now();
  const exec = await jupyter(
    [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--allow-errors",
      input,
      "--output-dir",
      outDir,
      "--output",
      name,
      "--ExecutePreprocessor.kernel_name=open-rs",
      `--ExecutePreprocessor.timeout=${opts.cellTimeout ?? -1}`,
    ],
    opts,
  );
  const seconds = (Date.now() - t0) / 1000;
  if (exec.code !== 0 || !existsSync(executed)) {
    return { name, html, seconds, ok: false, error: exec.tail };
  }
  const failure = firstFailure(executed);
  const conv = await jupyter(
    ["nbconvert", "--to", "html", executed, "--output-dir", outDir, "--output", name],
    opts,
  );
  if (conv.code !== 0) return { name, html, seconds, ok: false, error: conv.tail };
  stripLocalScripts(html);
  return failure ? { name, html, seconds, ok: false, error: failure } : { name, html, seconds, ok: true };
}

/** Execute notebooks in order; prints a timing table. Resolves to the runs. */
export async function executeNotebooks(names: string[], opts: ExecuteOptions = {}): Promise<NotebookRun[]> {
  const runs: NotebookRun[] = [];
  for (const name of names) {
    process.stderr.write(`\n▶ ${name}\n`);
    const run = await executeNotebook(name, opts);
    runs.push(run);
    process.stderr.write(`${run.ok ? "✓" : "✗"} ${name}: ${run.seconds.toFixed(0)} s → ${run.html}\n`);
    if (!run.ok) process.stderr.write(`${run.error}\n`);
  }
  process.stderr.write("\nnotebook                 wall time  result\n");
  for (const r of runs) {
    process.stderr.write(
      `${r.name.padEnd(24)} ${`${r.seconds.toFixed(0)} s`.padStart(9)}  ${r.ok ? "ok" : "FAILED"}\n`,
    );
  }
  return runs;
}

/** Open the Jupyter UI on the notebooks folder with the repo's kernel; explains what to install if absent. */
function openUi(): number {
  for (const ui of ["lab", "notebook"]) {
    const probe = spawnSync("jupyter", [ui, "--version"], { encoding: "utf8" });
    if (probe.status !== 0) continue;
    process.stderr.write(`Starting \`jupyter ${ui}\` with the open-rs kernel (Ctrl-C to stop)…\n`);
    const r = spawnSync("jupyter", [ui, `--notebook-dir=${REPO_ROOT}`, "notebooks/00-quickstart.ipynb"], {
      cwd: REPO_ROOT,
      env: jupyterEnv(),
      stdio: "inherit",
    });
    return r.status ?? 1;
  }
  process.stderr.write(`${UI_HINT}\n`);
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === "open") return openUi();
  if (cmd !== "start" && cmd !== "reports") {
    process.stderr.write("usage: tsx scripts/run-notebooks.ts start | reports [NAME ...] | open\n");
    return 2;
  }
  const known = listNotebooks();
  const unknown = rest.filter((n) => !known.includes(n));
  if (cmd === "reports" && unknown.length > 0) {
    process.stderr.write(
      `run-notebooks: unknown notebook ${unknown.join(", ")}; valid: ${known.join(", ")}\n`,
    );
    return 2;
  }
  if (!hasNbconvert()) {
    process.stderr.write(`Jupyter is not installed, so the notebooks cannot run. ${INSTALL_HINT}\n`);
    return 1;
  }
  const names = cmd === "start" ? ["00-quickstart"] : rest.length ? rest : known;
  const runs = await executeNotebooks(names);
  const failed = runs.filter((r) => !r.ok);
  if (cmd === "start" && failed.length === 0) {
    process.stderr.write(`\nOpen ${runs[0].html} in a browser (it renders offline).\n`);
  }
  return failed.length ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`run-notebooks: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}

/**
 * Run the notebooks headless, with no Python: `npm start` (the quickstart into reports/00-quickstart.html),
 * `npm run reports` (every notebook into reports/), `npm run reports:docs` (the rendered miniature reports
 * committed under docs/reports/; `-- --from-reports` copies what reports/ already holds), and
 * `npm run notebook` (the Jupyter UI, which does need Jupyter).
 *
 *   tsx scripts/run-notebooks.ts start | reports [NAME ...] | docs [--from-reports] | render FILE.ipynb ... |
 *                                open | install-kernel
 *
 * Notebooks run on the repo's kernel (jupyter/kernels/open-rs: tslab with scripts/kernel's patches), driven
 * by a Jupyter client written in Node (scripts/nb/kernel-client.ts, zeromq). Each run writes the executed
 * notebook (outputs and execution counts) and a self-contained HTML page; every chart also gets a static PNG
 * rendered by Chromium (skipped, with one line saying so, where there is none). `--nbconvert` (or
 * OPEN_RS_NB_ENGINE=nbconvert) executes with Jupyter's nbconvert instead, when it is installed.
 *
 * The notebooks' parameters cells read these variables (notebookParams, src/kernel-helpers/params.ts), so a
 * run can be shrunk without editing a notebook:
 *   OPEN_RS_NB_SCALE            mini (default) | paper
 *   OPEN_RS_NB_STEPS            GRPO steps of each training run
 *   OPEN_RS_NB_EVAL_PROBLEMS    problems per eval set
 *   OPEN_RS_NB_EVAL_SAMPLES     samples per problem for avg@n
 *   OPEN_RS_NB_MAX_TOKENS       completion cap of training and evals
 *   OPEN_RS_NB_MODEL            the model directory
 *   OPEN_RS_NB_RUNS             where training runs go (default reports/runs)
 * and OPEN_RS_NB_OUT (default reports/) is where the executed notebooks and the HTML go.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseCommandLine } from "../src/cli/errors";
import { executeCells } from "./nb/execute";
import { notebookToHtml, type PlotlySource } from "./nb/html";
import { KernelClient } from "./nb/kernel-client";
import { docsReportsReadme, leanNotebook } from "./nb/lean";
import { type ErrorOutput, joinText, type Notebook, readNotebook, writeNotebook } from "./nb/nbformat";
import { addStaticImages } from "./nb/static-images";

/** The repository root (this file is scripts/run-notebooks.ts). */
export const REPO_ROOT = path.resolve(__dirname, "..");
/** Where the notebooks live. */
export const NOTEBOOK_DIR = path.join(REPO_ROOT, "notebooks");
/** The kernel spec folder (what Jupyter is pointed at through JUPYTER_PATH). */
export const KERNEL_PATH = path.join(REPO_ROOT, "jupyter");
/** The repo's kernel spec. */
export const KERNEL_SPEC_DIR = path.join(KERNEL_PATH, "kernels", "open-rs");
/** Where `docs` puts the rendered miniature reports that are committed. */
export const DOCS_REPORTS_DIR = path.join(REPO_ROOT, "docs", "reports");

/** How to install Jupyter, for `--nbconvert` and `open`. */
export const INSTALL_HINT =
  "Install Jupyter's headless runner: `sudo apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client` " +
  "(Debian/Ubuntu) or `pip install nbconvert nbclient jupyter_client`.";
const UI_HINT =
  "No Jupyter UI is installed. Install one: `sudo apt-get install -y jupyter-notebook` (Debian/Ubuntu, classic UI) " +
  "or `pip install notebook` / `pip install jupyterlab`; then run `npm run notebook` again. VS Code's notebooks " +
  "also run the kernel (pick jupyter/kernels/open-rs). Meanwhile `npm run reports` executes every notebook " +
  "headless into reports/, with no Jupyter at all.";

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
  /** The HTML page. */
  html: string;
  /** The executed notebook. */
  ipynb: string;
  seconds: number;
  ok: boolean;
  /** Which cell failed and how, when it did. */
  error?: string;
  /** Charts given a static image, and why none were (no Chromium). */
  staticImages?: { rendered: number; charts: number; skipped?: string };
}

/** Options of {@link executeNotebook}. */
export interface ExecuteOptions {
  /** Output folder. Default `OPEN_RS_NB_OUT` or reports/. */
  outDir?: string;
  /** Extra environment (e.g. OPEN_RS_NB_STEPS) for the kernel. */
  env?: Record<string, string>;
  /** Per-cell limit in seconds; default none. */
  cellTimeout?: number;
  /** Echo progress (cell starts, stdout) on stderr. Default true. */
  echo?: boolean;
  /** "node" (default): our Jupyter client; "nbconvert": Jupyter's nbconvert (needs Jupyter installed). */
  engine?: "node" | "nbconvert";
  /** Where the HTML gets plotly.js from (default: inlined). */
  plotly?: PlotlySource;
  /** Skip the static chart images. */
  noStaticImages?: boolean;
}

/** The input notebook of `name`, or a clear error listing the valid names. */
function notebookFile(name: string): string {
  if (name.endsWith(".ipynb")) {
    if (!existsSync(name)) throw new Error(`no notebook ${name}`);
    return path.resolve(name);
  }
  const input = path.join(NOTEBOOK_DIR, `${name}.ipynb`);
  if (!existsSync(input)) throw new Error(`no notebook ${input}; valid: ${listNotebooks().join(", ")}`);
  return input;
}

/** Text of a failure: the cell, the error (traceback) or what it wrote to stderr, and how the cell begins. */
function describeFailure(nb: Notebook, index: number, message: string, error?: ErrorOutput): string {
  const cell = nb.cells[index];
  const src = joinText(cell?.source).split("\n").slice(0, 3).join("\n");
  const detail = error ? error.traceback.join("\n") || `${error.ename}: ${error.evalue}` : message;
  return `cell ${index} failed (the cells after it did not run):\n${detail}\n--- the cell begins:\n${src}`;
}

/** Execute with our Node client. */
async function executeWithNode(
  input: Notebook,
  opts: ExecuteOptions,
): Promise<{ nb: Notebook; failure: string | null }> {
  const echo = opts.echo ?? true;
  const client = await KernelClient.start({
    specDir: KERNEL_SPEC_DIR,
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
  });
  try {
    const codeCells = input.cells.filter((c) => c.cell_type === "code").length;
    let n = 0;
    const run = await executeCells(client, input, {
      cellTimeout: opts.cellTimeout,
      onCellStart: (_i, code) => {
        n++;
        if (echo) process.stderr.write(`  [${n}/${codeCells}] ${code.split("\n")[0].slice(0, 90)}\n`);
      },
      onStream: echo ? (_name, text) => process.stderr.write(text) : undefined,
    });
    const f = run.failure;
    return { nb: run.nb, failure: f ? describeFailure(run.nb, f.cell, f.message, f.error) : null };
  } finally {
    await client.shutdown();
  }
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

/** Execute with Jupyter's nbconvert (the same kernel spec), into `outDir/<name>.ipynb`. */
async function executeWithNbconvert(
  name: string,
  outDir: string,
  opts: ExecuteOptions,
): Promise<{ nb: Notebook | null; failure: string | null }> {
  if (!hasNbconvert()) throw new Error(`--nbconvert needs Jupyter. ${INSTALL_HINT}`);
  const exec = await jupyter(
    [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--allow-errors",
      notebookFile(name),
      "--output-dir",
      outDir,
      "--output",
      name,
      "--ExecutePreprocessor.kernel_name=open-rs",
      `--ExecutePreprocessor.timeout=${opts.cellTimeout ?? -1}`,
    ],
    opts,
  );
  const executed = path.join(outDir, `${name}.ipynb`);
  if (exec.code !== 0 || !existsSync(executed)) return { nb: null, failure: exec.tail };
  const nb = readNotebook(executed);
  const i = nb.cells.findIndex(
    (c) => c.cell_type === "code" && c.outputs.some((o) => o.output_type === "error"),
  );
  if (i >= 0) {
    const cell = nb.cells[i];
    const err =
      cell.cell_type === "code"
        ? cell.outputs.find((o): o is ErrorOutput => o.output_type === "error")
        : undefined;
    return { nb, failure: describeFailure(nb, i, err?.evalue ?? "error", err) };
  }
  return { nb, failure: null };
}

/** Write `<outDir>/<name>.ipynb` and `.html` for an executed notebook, with static chart images. */
export async function writeReport(
  nb: Notebook,
  outDir: string,
  name: string,
  opts: Pick<ExecuteOptions, "plotly" | "noStaticImages" | "echo"> = {},
): Promise<{ ipynb: string; html: string; staticImages?: NotebookRun["staticImages"] }> {
  const staticImages = opts.noStaticImages ? undefined : await addStaticImages(nb);
  if (staticImages?.skipped && (opts.echo ?? true)) {
    process.stderr.write(`static chart images skipped: ${staticImages.skipped}\n`);
  }
  const ipynb = path.join(outDir, `${name}.ipynb`);
  const html = path.join(outDir, `${name}.html`);
  writeNotebook(ipynb, nb);
  writeFileSync(html, notebookToHtml(nb, { plotly: opts.plotly }));
  return { ipynb, html, staticImages };
}

/**
 * Execute one notebook headless into `<outDir>/<name>.ipynb` (with outputs) and `<outDir>/<name>.html`.
 * Never throws for a failing notebook: the result says which cell failed and why (the report is still written,
 * up to the failing cell).
 */
export async function executeNotebook(nameOrFile: string, opts: ExecuteOptions = {}): Promise<NotebookRun> {
  const outDir = path.resolve(opts.outDir ?? process.env.OPEN_RS_NB_OUT ?? path.join(REPO_ROOT, "reports"));
  mkdirSync(outDir, { recursive: true });
  const input = readNotebook(notebookFile(nameOrFile));
  // a notebook of notebooks/ by name, or any .ipynb file (the kernel still starts at the repo root)
  const name = nameOrFile.endsWith(".ipynb") ? path.basename(nameOrFile, ".ipynb") : nameOrFile;
  const html = path.join(outDir, `${name}.html`);
  const ipynb = path.join(outDir, `${name}.ipynb`);
  rmSync(html, { force: true });
  const t0 = Date.now();
  const engine = opts.engine ?? (process.env.OPEN_RS_NB_ENGINE === "nbconvert" ? "nbconvert" : "node");
  let result: { nb: Notebook | null; failure: string | null };
  try {
    result =
      engine === "nbconvert"
        ? await executeWithNbconvert(name, outDir, opts)
        : await executeWithNode(input, opts);
  } catch (e) {
    result = { nb: null, failure: (e as Error).message };
  }
  const seconds = (Date.now() - t0) / 1000;
  if (!result.nb) return { name, html, ipynb, seconds, ok: false, error: result.failure ?? "no output" };
  const written = await writeReport(result.nb, outDir, name, opts);
  const ok = result.failure === null;
  return {
    name,
    html,
    ipynb,
    seconds,
    ok,
    staticImages: written.staticImages,
    ...(ok ? {} : { error: result.failure! }),
  };
}

/** Execute notebooks in order; prints a timing table. Resolves to the runs. */
export async function executeNotebooks(names: string[], opts: ExecuteOptions = {}): Promise<NotebookRun[]> {
  const runs: NotebookRun[] = [];
  const echo = opts.echo ?? true;
  for (const name of names) {
    if (echo) process.stderr.write(`\n▶ ${name}\n`);
    const run = await executeNotebook(name, opts);
    runs.push(run);
    if (echo) {
      process.stderr.write(`${run.ok ? "✓" : "✗"} ${name}: ${run.seconds.toFixed(0)} s → ${run.html}\n`);
      if (!run.ok) process.stderr.write(`${run.error}\n`);
    }
  }
  if (echo) {
    process.stderr.write("\nnotebook                 wall time  result\n");
    for (const r of runs) {
      process.stderr.write(
        `${r.name.padEnd(24)} ${`${r.seconds.toFixed(0)} s`.padStart(9)}  ${r.ok ? "ok" : "FAILED"}\n`,
      );
    }
  }
  return runs;
}

/** The per-user Jupyter data folder (what `jupyter --data-dir` prints), where frontends look for kernels. */
export function userJupyterDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  const home = process.env.HOME ?? process.env.USERPROFILE ?? ".";
  if (process.platform === "darwin") return path.join(home, "Library", "Jupyter");
  if (process.platform === "win32") return path.join(process.env.APPDATA ?? home, "jupyter");
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, ".local", "share"), "jupyter");
}

/**
 * Register the kernel for frontends that do not read JUPYTER_PATH (VS Code's notebooks, a Jupyter started
 * elsewhere): a kernel spec with this checkout's absolute path in the user's Jupyter data folder. No Jupyter
 * is needed to write it. Returns the spec's path.
 */
export function installKernel(dataDir = userJupyterDataDir()): string {
  const dir = path.join(dataDir, "kernels", "open-rs-ts");
  mkdirSync(dir, { recursive: true });
  const spec = {
    argv: [
      "sh",
      "-c",
      `cd ${JSON.stringify(REPO_ROOT)} && exec node --import tsx scripts/tslab-kernel.ts kernel --config-path "$1"`,
      "tslab",
      "{connection_file}",
    ],
    display_name: "open-rs-ts (TypeScript, tslab)",
    language: "typescript",
  };
  const file = path.join(dir, "kernel.json");
  writeFileSync(file, `${JSON.stringify(spec, null, 2)}\n`);
  return file;
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

/**
 * The committed miniature reports: execute every notebook into reports/ (the notebooks' own sizes unless
 * OPEN_RS_NB_* says otherwise; `fromReports` skips this and uses what reports/ holds), then copy each executed
 * notebook, lightened (scripts/nb/lean.ts), into docs/reports/ with a README saying which settings ran.
 * Returns the exit code.
 */
async function renderDocs(opts: ExecuteOptions, fromReports = false): Promise<number> {
  const outDir = path.resolve(opts.outDir ?? process.env.OPEN_RS_NB_OUT ?? path.join(REPO_ROOT, "reports"));
  const names = listNotebooks();
  const ok = fromReports
    ? names.filter((n) => existsSync(path.join(outDir, `${n}.ipynb`)))
    : (await executeNotebooks(names, { ...opts, outDir })).filter((r) => r.ok).map((r) => r.name);
  mkdirSync(DOCS_REPORTS_DIR, { recursive: true });
  for (const name of ok) {
    const nb = readNotebook(path.join(outDir, `${name}.ipynb`));
    writeNotebook(path.join(DOCS_REPORTS_DIR, `${name}.ipynb`), leanNotebook(nb));
  }
  const settings = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] =>
        /^OPEN_RS_NB_(?!OUT$|RUNS$)/.test(e[0]) && e[1] !== undefined && e[1] !== "",
    ),
  );
  writeFileSync(path.join(DOCS_REPORTS_DIR, "README.md"), docsReportsReadme(settings));
  process.stderr.write(`docs/reports: ${ok.length} of ${names.length} notebooks copied\n`);
  return ok.length === names.length ? 0 : 1;
}

const USAGE =
  "usage: tsx scripts/run-notebooks.ts start | reports [NAME ...] | docs [--from-reports] | render FILE.ipynb ... | open | install-kernel  [--nbconvert]";

/** The command, its arguments and flags (node's parseArgs, strict); null after printing a usage error. */
function parseRunArgs(argv: string[]) {
  try {
    const { values, positionals } = parseCommandLine(argv, {
      nbconvert: { type: "boolean" },
      "from-reports": { type: "boolean" },
    } as const);
    return { cmd: positionals[0], rest: positionals.slice(1), flags: values };
  } catch (e) {
    process.stderr.write(`run-notebooks: ${(e as Error).message}\n${USAGE}\n`);
    return null;
  }
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseRunArgs(argv);
  if (parsed === null) return 2;
  const { cmd, rest, flags } = parsed;
  const opts: ExecuteOptions = { engine: flags.nbconvert ? "nbconvert" : undefined };
  if (cmd === "open") return openUi();
  if (cmd === "render") {
    // an executed notebook (e.g. saved from Jupyter) → static chart images and HTML beside it
    for (const file of rest) {
      const nb = readNotebook(file);
      const out = await writeReport(nb, path.dirname(path.resolve(file)), path.basename(file, ".ipynb"));
      process.stderr.write(`${out.ipynb} (${out.staticImages?.rendered ?? 0} static images) → ${out.html}\n`);
    }
    return 0;
  }
  if (cmd === "docs") return renderDocs(opts, flags["from-reports"] === true);
  if (cmd === "install-kernel") {
    process.stderr.write(
      `kernel spec written: ${installKernel()}\n(VS Code and Jupyter list it as "open-rs-ts (TypeScript, tslab)")\n`,
    );
    return 0;
  }
  if (cmd !== "start" && cmd !== "reports") {
    process.stderr.write(`${USAGE}\n`);
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
  const names = cmd === "start" ? ["00-quickstart"] : rest.length ? rest : known;
  const runs = await executeNotebooks(names, opts);
  const failed = runs.filter((r) => !r.ok);
  if (cmd === "start" && failed.length === 0) {
    process.stderr.write(`\nOpen ${runs[0].html} in a browser (it renders offline).\n`);
  }
  return failed.length ? 1 : 0;
}

if (require.main === module) {
  // a kernel must not outlive the runner (Ctrl-C, kill): it would keep its CPU and ports
  process.on("exit", () => KernelClient.killAll());
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      process.stderr.write(`\nrun-notebooks: ${sig}, stopping the kernel\n`);
      KernelClient.killAll();
      process.exit(sig === "SIGINT" ? 130 : 143);
    });
  }
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`run-notebooks: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}

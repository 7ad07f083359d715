/**
 * What the repo's kernel changes in tslab 1.0.22 (installed by scripts/tslab-kernel.ts before tslab loads):
 *
 * 1. Type checking as `npm run typecheck` does (`strict: true`), so code that compiles in the library compiles
 *    in a cell (tslab's own default is `strict: false`, where some unions do not narrow).
 * 2. Jupyter `error` messages: a cell that throws, or does not compile, sends an `error` iopub message and an
 *    `execute_reply` with ename / evalue / traceback (tslab prints to stderr only). The traceback points at the
 *    cell's TypeScript lines through source maps (tslab compiles twice, TS → ESM → CommonJS; both maps are
 *    composed) and leaves out tslab's, vm's and Node's own frames.
 * 3. `execute_input` with the execution count before a cell runs (tslab sends none, so nbclient and
 *    nbconvert leave every prompt at `In [ ]`).
 * 4. Shorthand properties (`{ model }` with `model` from an earlier cell) work: see ./shorthand.ts.
 * 5. The kernel does not die of a background event. tslab's compiler host keeps one pending rebuild timer and
 *    throws when TypeScript's directory watchers (which fire as a run writes checkpoints under the repo) ask
 *    for a second; so directories are not watched (files still are: an edited library file is recompiled).
 *    And an exception nobody caught (in a timer, a promise) is printed in the running cell: tfjs-wasm's
 *    Emscripten runtime re-throws it from its own handler, which would exit the process (code 7).
 *
 * How: tslab's modules export plain properties (and its TypeScript build non-configurable getters), so the
 * patch swaps the TypeScript module in the require cache for a proxy and replaces a few functions on tslab's
 * exports and prototypes. Every patched function keeps tslab's signature, so tslab's interrupt handling and
 * task queue are untouched.
 */
import * as path from "node:path";
import vm from "node:vm";
import {
  type Diagnostic,
  type ErrorContent,
  type Frame,
  formatDiagnostics,
  formatRuntimeError,
} from "./errors";
import { expandShorthand, type Insertion, originalColumn, type TsLike } from "./shorthand";
import {
  ChainedLookup,
  type RawSourceMap,
  SourceMapLookup,
  stripMapComment,
  takeInlineMap,
} from "./source-map";

type CompilerOptions = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: tslab internals are untyped JavaScript
type AnyFn = (...args: any[]) => any;
type CreateHost = (rootFiles: string[], options: CompilerOptions, ...rest: unknown[]) => unknown;
type Transpile = (
  input: string,
  opts: { fileName?: string; compilerOptions?: CompilerOptions },
) => { outputText: string; sourceMapText?: string };

/** Compiler options the kernel adds to tslab's own (those of tsconfig.json that change type checking). */
export const KERNEL_COMPILER_OPTIONS: Readonly<CompilerOptions> = Object.freeze({
  strict: true,
  noImplicitAny: false,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
});

/** Prefix tslab wraps a cell's CommonJS code in (executor.js), on the same line as the code's first line. */
const CELL_PREFIXES = ["(async function(exports, require) { ", "(function(exports, require) { "];

/** Kernel-wide state: source maps of compiled code and what the cell now running has raised. */
class KernelState {
  /** Final CommonJS text → its chained map, until the converter hands the text back (then keyed by file). */
  readonly pendingMaps = new Map<string, ChainedLookup>();
  /** Library files tslab compiled (absolute .js path) → map. */
  readonly fileMaps = new Map<string, ChainedLookup>();
  /** Cells by execution count: code as typed, map of its CommonJS, shorthand insertions. */
  readonly cells = new Map<
    number,
    { source: string; map?: ChainedLookup; insertions: Insertion[]; prefixLength?: number }
  >();
  /** The execution now running (set when tslab starts it). */
  current: { count: number; source: string; error?: unknown; diagnostics: Diagnostic[] } | null = null;
  /** The script file name the next cell script is compiled under. */
  nextScriptName: string | null = null;

  constructor(readonly cwd: string) {}

  cellName(count: number): string {
    return `__cell_${count}__`;
  }

  mapFrame = (f: Frame) => {
    const cell = /^__cell_(\d+)__$/.exec(f.file);
    if (cell) {
      const count = Number(cell[1]);
      const entry = this.cells.get(count);
      // line 1 of the script starts with tslab's wrapper prefix
      const col = Math.max(0, f.column - 1 - (f.line === 1 ? (entry?.prefixLength ?? 0) : 0));
      const pos = entry?.map?.original(f.line - 1, col);
      if (!pos) return null; // tslab's wrapper call, past the cell's own lines
      return {
        fn: f.fn,
        where: `Cell In[${count}]`,
        line: pos.line, // the map's source has tslab's one-line `export {};` prefix: line index = cell line
        column: originalColumn(entry?.insertions ?? [], pos.line - 1, pos.column) + 1,
        cell: count,
      };
    }
    const lookup = this.fileMaps.get(f.file);
    const rel = path.relative(this.cwd, f.file);
    if (lookup) {
      const pos = lookup.original(f.line - 1, f.column - 1);
      if (pos)
        return { fn: f.fn, where: rel.replace(/\.js$/, ".ts"), line: pos.line + 1, column: pos.column + 1 };
    }
    return { fn: f.fn, where: rel.startsWith("..") ? f.file : rel, line: f.line, column: f.column };
  };
}

let state: KernelState | null = null;

/** The installed state (tests and the interrupt hooks may read it). */
export function kernelState(): KernelState | null {
  return state;
}

function tslabRequire(id: string): unknown {
  return require(require.resolve(id, { paths: [path.dirname(require.resolve("tslab/package.json"))] }));
}

/** (1) + source maps: proxy tslab's TypeScript build. */
function patchTypeScript(s: KernelState): TsLike {
  const id = require.resolve("@tslab/typescript-for-tslab", { paths: [require.resolve("tslab")] });
  const ts = require(id) as Record<string, unknown> & { createWatchCompilerHost: CreateHost };
  const createHost: CreateHost = (rootFiles, options, ...rest) =>
    ts.createWatchCompilerHost(
      rootFiles,
      { ...options, ...KERNEL_COMPILER_OPTIONS, inlineSourceMap: true, sourceMap: false },
      ...rest,
    );
  // tslab's second compilation (ESM → CommonJS, esModuleToCommonJSModule): compose its map with the first one
  const transpile: Transpile = (input, opts) => {
    const original = ts.transpileModule as Transpile;
    if (opts.fileName !== "custom.js") return original(input, opts);
    const first = takeInlineMap(input);
    if (!first.map) return original(input, opts);
    const out = original(first.code, {
      ...opts,
      compilerOptions: { ...opts.compilerOptions, sourceMap: true, inlineSourceMap: false },
    });
    const code = stripMapComment(out.outputText);
    if (out.sourceMapText) {
      const second = JSON.parse(out.sourceMapText) as RawSourceMap;
      s.pendingMaps.set(
        code,
        new ChainedLookup([new SourceMapLookup(second), new SourceMapLookup(first.map)]),
      );
    }
    return { ...out, outputText: code };
  };
  // (5) tslab builds its compiler host on `Object.create(ts.sys)`: a view of the real `sys` without
  // directory watching (and forwarding the one flag tslab sets on `ts.sys` for the whole process)
  const realSys = ts.sys as Record<string, unknown>;
  const sysView = Object.create(realSys, {
    watchDirectory: { value: () => ({ close() {} }) },
    useCaseSensitiveFileNames: {
      get: () => realSys.useCaseSensitiveFileNames,
      set: (v: unknown) => {
        realSys.useCaseSensitiveFileNames = v;
      },
    },
  });
  const proxy = new Proxy(ts, {
    get: (target, key) =>
      key === "createWatchCompilerHost"
        ? createHost
        : key === "transpileModule"
          ? transpile
          : key === "sys"
            ? sysView
            : (target as Record<string | symbol, unknown>)[key],
  });
  const cached = require.cache[id];
  if (!cached) throw new Error(`tslab-kernel: ${id} is not in the require cache; cannot patch tslab`);
  cached.exports = proxy;
  return ts as unknown as TsLike;
}

interface Converted {
  output?: string;
  diagnostics: Array<{ start: { line: number; character: number }; messageText: string; fileName?: string }>;
  sideOutputs?: Array<{ path: string; data: string }>;
}
interface Converter {
  convert(prevDecl: string, src: string): Converted;
  [k: string]: unknown;
}

/** (4) + maps: wrap the converter's `convert`. */
function patchConverter(s: KernelState, ts: TsLike): void {
  const mod = tslabRequire("tslab/dist/converter") as { createConverter: (...a: unknown[]) => Converter };
  const create = mod.createConverter;
  mod.createConverter = (...args: unknown[]) => {
    const conv = create(...args);
    const convert = conv.convert.bind(conv);
    conv.convert = (prevDecl: string, src: string) => {
      const { code, insertions } = expandShorthand(ts, src);
      const out = convert(prevDecl, code);
      for (const side of out.sideOutputs ?? []) {
        const map = s.pendingMaps.get(side.data);
        if (map) s.fileMaps.set(side.path, map);
      }
      const cur = s.current;
      if (cur) {
        const map = out.output !== undefined ? s.pendingMaps.get(out.output) : undefined;
        s.cells.set(cur.count, { source: src, map, insertions });
        if (out.output !== undefined) s.nextScriptName = s.cellName(cur.count);
        for (const d of out.diagnostics) {
          d.start = {
            ...d.start,
            character: d.fileName
              ? d.start.character
              : originalColumn(insertions, d.start.line, d.start.character),
          };
        }
      }
      s.pendingMaps.clear();
      return out;
    };
    return conv;
  };
}

/** (2) Capture what the executor prints for a failing cell, and name each cell's script for its stack frames. */
function patchExecutor(s: KernelState): void {
  const mod = tslabRequire("tslab/dist/executor") as {
    createExecutor: (rootDir: string, convs: unknown, console: { log: AnyFn; error: AnyFn }) => unknown;
  };
  const create = mod.createExecutor;
  mod.createExecutor = (rootDir, convs, cons) =>
    create(rootDir, convs, {
      log: (...a: unknown[]) => cons.log(...a),
      error: (...a: unknown[]) => {
        const cur = s.current;
        // printDiagnostics: ("%s%d:%d - %s", file, line, column, message); a failing cell: (error)
        if (cur && a[0] === "%s%d:%d - %s" && a.length === 5) {
          const file = String(a[1]).trim();
          cur.diagnostics.push({
            file: file || undefined,
            line: Number(a[2]) - 1,
            column: Number(a[3]) - 1,
            message: String(a[4]),
          });
          return;
        }
        if (cur && a.length === 1 && cur.error === undefined) {
          cur.error = a[0] ?? new Error(String(a[0]));
          return;
        }
        cons.error(...a);
      },
    });
  const run = vm.runInThisContext;
  vm.runInThisContext = ((code: string, options?: vm.RunningScriptOptions | string) => {
    const name = s.nextScriptName;
    const prefix = typeof code === "string" ? CELL_PREFIXES.find((p) => code.startsWith(p)) : undefined;
    if (name && prefix) {
      s.nextScriptName = null;
      const entry = s.cells.get(Number(/\d+/.exec(name)?.[0]));
      if (entry) entry.prefixLength = prefix.length;
      const opts = typeof options === "object" && options ? options : {};
      return run(code, { ...opts, filename: name });
    }
    return run(code, options);
  }) as typeof vm.runInThisContext;
}

type Send = (msgType: string, content: Record<string, unknown>) => void;
interface ZmqMessageLike {
  content: Record<string, unknown>;
  createReply(): {
    header: { msg_type: string };
    content: Record<string, unknown>;
    signAndSend(key: string, sock: unknown): void;
  };
}

/** (2) + (3): the Jupyter side. */
function patchJupyter(s: KernelState): void {
  const mod = tslabRequire("tslab/dist/jupyter") as {
    JupyterHandlerImpl: { prototype: Record<string, AnyFn> & { execCount: number } };
    ZmqServer: { prototype: Record<string, AnyFn> };
  };
  const senders = new WeakMap<object, Send>();
  const errors = new WeakMap<object, ErrorContent>();
  const handler = mod.JupyterHandlerImpl.prototype;
  const impl = handler.handleExecuteImpl;
  handler.handleExecuteImpl = async function (
    this: { execCount: number },
    req: { code: string },
    ...rest: unknown[]
  ) {
    const count = this.execCount + 1;
    senders.get(req)?.("execute_input", { code: req.code, execution_count: count });
    const cur = { count, source: req.code, diagnostics: [] as Diagnostic[], error: undefined as unknown };
    s.current = cur;
    try {
      return await impl.call(this, req, ...rest);
    } catch (e) {
      if (cur.diagnostics.length > 0) errors.set(req, formatDiagnostics(cur.diagnostics, count, req.code));
      else if (cur.error !== undefined) {
        errors.set(
          req,
          formatRuntimeError(cur.error, s.mapFrame, (n) => s.cells.get(n)?.source),
        );
      }
      throw e;
    } finally {
      if (s.current === cur) s.current = null;
      s.nextScriptName = null;
    }
  };
  // tslab's ZmqServer.handleExecute, with an iopub sender for any message type and the error fields added
  mod.ZmqServer.prototype.handleExecute = async function (
    this: {
      connInfo: { key: string };
      iopub: unknown;
      handler: { handleExecute(req: object, ws: AnyFn, wd: AnyFn): Promise<Record<string, unknown>> };
    },
    sock: unknown,
    msg: ZmqMessageLike,
  ) {
    const send: Send = (msgType, content) => {
      const r = msg.createReply();
      r.header.msg_type = msgType;
      r.content = content;
      r.signAndSend(this.connInfo.key, this.iopub);
    };
    const req = msg.content;
    senders.set(req, send);
    const content = await this.handler.handleExecute(
      req,
      (name: string, text: string) => send("stream", { name, text }),
      (data: Record<string, unknown>, update: boolean) =>
        send(update ? "update_display_data" : "display_data", data),
    );
    const err = errors.get(req);
    if (content.status === "error" && err) {
      send("error", { ...err });
      Object.assign(content, err);
    }
    const reply = msg.createReply();
    reply.header.msg_type = "execute_reply";
    reply.content = content;
    reply.signAndSend(this.connInfo.key, sock);
  };
}

/**
 * (5) Listeners of `uncaughtException` / `unhandledRejection` added from now on cannot throw: Emscripten's
 * (tfjs-wasm) re-throw, which exits the process; the error is printed to the running cell instead.
 */
function guardProcessListeners(): void {
  const wrapped = new WeakMap<AnyFn, AnyFn>();
  const guarded = new Set(["uncaughtException", "unhandledRejection"]);
  const proc = process as unknown as Record<string, AnyFn>;
  const wrap = (event: string | symbol, fn: AnyFn): AnyFn => {
    if (typeof event !== "string" || !guarded.has(event) || typeof fn !== "function") return fn;
    const safe = function (this: unknown, ...args: unknown[]) {
      try {
        return fn.apply(this, args);
      } catch (e) {
        // a listener that re-throws what it was given adds nothing to what tslab's own listener printed
        if (e !== args[0])
          console.error(`${event === "uncaughtException" ? "UncaughtException" : "UnhandledRejection"}:`, e);
      }
    };
    wrapped.set(fn, safe);
    return safe;
  };
  for (const name of ["on", "addListener", "prependListener", "once", "prependOnceListener"]) {
    const original = proc[name];
    proc[name] = function (this: unknown, event: string | symbol, fn: AnyFn) {
      return original.call(this, event, wrap(event, fn));
    };
  }
  for (const name of ["off", "removeListener"]) {
    const original = proc[name];
    proc[name] = function (this: unknown, event: string | symbol, fn: AnyFn) {
      return original.call(this, event, wrapped.get(fn) ?? fn);
    };
  }
}

/** Install every patch; call once, before `tslab/dist/main` is loaded. */
export function installKernelPatches(cwd: string = process.cwd()): void {
  if (state) return;
  state = new KernelState(cwd);
  guardProcessListeners();
  const ts = patchTypeScript(state);
  patchConverter(state, ts);
  patchExecutor(state);
  patchJupyter(state);
}

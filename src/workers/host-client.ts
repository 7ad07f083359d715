/**
 * The control process's side of a worker process (host.ts): start it, talk to it, and notice when it dies.
 * Its stdout and stderr are forwarded to ours line by line (in a notebook, that is the running cell), and the
 * last lines of stderr are kept, so that a crash (a native abort, a signal) is reported with its cause.
 */
import { type ChildProcess, fork } from "node:child_process";
import * as path from "node:path";
import type { FromHost, ToHost } from "./protocol";

/** How a worker process ended. */
export interface HostExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Its last stderr lines. */
  stderrTail: string;
}

const TAIL_BYTES = 4000;

export class HostProcess {
  private readonly child: ChildProcess;
  private readonly handlers = new Set<(msg: FromHost) => void>();
  private tail = "";
  private exited: HostExit | null = null;
  private readonly exitWaiters: Array<(e: HostExit) => void> = [];

  constructor(opts: { env?: NodeJS.ProcessEnv } = {}) {
    const entry = path.join(__dirname, "host.ts");
    this.child = fork(entry, [], {
      execArgv: ["--require", require.resolve("tsx/cjs")],
      serialization: "advanced",
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // llama.cpp (a rollout engine) samples on libuv's pool: one thread there, so that the pool's threads and
      // llama.cpp's own do not compete for the cores (measured: up to 25× slower otherwise; docs/engines.md)
      env: { UV_THREADPOOL_SIZE: "1", ...(opts.env ?? process.env) },
    });
    this.child.stdout?.on("data", (d: Buffer) => process.stdout.write(d));
    this.child.stderr?.on("data", (d: Buffer) => {
      const s = d.toString();
      this.tail = (this.tail + s).slice(-TAIL_BYTES);
      process.stderr.write(s);
    });
    this.child.on("message", (msg: FromHost) => {
      for (const h of [...this.handlers]) h(msg);
    });
    this.child.on("exit", (code, signal) => {
      this.exited = { code, signal, stderrTail: this.tail.trim() };
      for (const w of this.exitWaiters.splice(0)) w(this.exited);
    });
    // A failed spawn (ENOENT, EAGAIN) arrives as 'error' and may never emit 'exit'.
    this.child.on("error", (err) => {
      if (this.exited) return;
      this.exited = { code: null, signal: null, stderrTail: err.message };
      for (const w of this.exitWaiters.splice(0)) w(this.exited);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exited === null;
  }

  send(msg: ToHost): void {
    if (this.exited || !this.child.connected) return;
    this.child.send(msg);
  }

  /** Subscribe to messages; returns an unsubscribe function. */
  onMessage(fn: (msg: FromHost) => void): () => void {
    this.handlers.add(fn);
    return () => this.handlers.delete(fn);
  }

  /** Resolves when the process has exited. */
  onExit(): Promise<HostExit> {
    if (this.exited) return Promise.resolve(this.exited);
    return new Promise((r) => this.exitWaiters.push(r));
  }

  /** Let this process exit while the worker process is idle (it still dies with us). */
  unref(): void {
    this.child.unref();
    (this.child.stdout as unknown as { unref?: () => void })?.unref?.();
    (this.child.stderr as unknown as { unref?: () => void })?.unref?.();
    (this.child.channel as unknown as { unref?: () => void })?.unref?.();
  }

  ref(): void {
    this.child.ref();
    (this.child.channel as unknown as { ref?: () => void })?.ref?.();
  }

  /** Ends the worker process (SIGTERM, then SIGKILL after `graceMs`). */
  async kill(graceMs = 2000): Promise<void> {
    if (this.exited) return;
    this.child.kill("SIGTERM");
    const t = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.onExit();
    clearTimeout(t);
  }
}

/** One line describing how a worker process died, for errors and the dashboard. */
export function describeExit(e: HostExit): string {
  const how = e.signal
    ? `was killed by ${e.signal}${e.signal === "SIGABRT" ? " (a native abort)" : e.signal === "SIGKILL" ? " (out of memory, or killed)" : ""}`
    : `exited with code ${e.code}`;
  const last = e.stderrTail
    .split("\n")
    .filter((l) => l.trim())
    .slice(-3)
    .join(" | ");
  return `the worker process ${how}${last ? `; its last output: ${last}` : ""}`;
}

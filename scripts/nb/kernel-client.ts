/**
 * A Jupyter kernel client in Node (the messaging protocol 5.3 over zeromq, HMAC-SHA256 signed), so the
 * headless runner needs no Python: it starts a kernel from a kernel spec (jupyter/kernels/open-rs), writes the
 * connection file, and talks to the shell, control and iopub channels.
 * Protocol: https://jupyter-client.readthedocs.io/en/stable/messaging.html
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";

const DELIM = Buffer.from("<IDS|MSG>");

/** A Jupyter message (header, parent header, metadata, content). */
export interface JupyterMessage {
  header: { msg_id: string; msg_type: string; session: string; [k: string]: unknown };
  parent_header: { msg_id?: string; msg_type?: string; [k: string]: unknown };
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  channel: "shell" | "iopub" | "control";
}

/** A kernel spec (kernel.json). */
export interface KernelSpec {
  argv: string[];
  display_name?: string;
  language?: string;
  env?: Record<string, string>;
}

/** What is written to the connection file. */
export interface ConnectionInfo {
  transport: "tcp";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: "hmac-sha256";
  kernel_name: string;
}

/** Five TCP ports free on 127.0.0.1 now (each found by binding port 0). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Sign the four JSON frames of a message. */
export function sign(key: string, frames: readonly (string | Buffer)[]): string {
  const h = createHmac("sha256", key);
  for (const f of frames) h.update(f);
  return h.digest("hex");
}

/** Decode wire frames (`[ids…, DELIM, hmac, header, parent, metadata, content, buffers…]`); throws on a bad HMAC. */
export function decodeFrames(
  key: string,
  frames: readonly Buffer[],
  channel: JupyterMessage["channel"],
): JupyterMessage {
  const i = frames.findIndex((f) => f.equals(DELIM));
  if (i < 0 || frames.length < i + 6)
    throw new Error(`malformed ${channel} message (${frames.length} frames)`);
  const [hmac, header, parent, metadata, content] = frames.slice(i + 1, i + 6);
  if (key && sign(key, [header, parent, metadata, content]) !== hmac.toString()) {
    throw new Error(`${channel} message with a bad signature`);
  }
  return {
    header: JSON.parse(header.toString()),
    parent_header: JSON.parse(parent.toString()),
    metadata: JSON.parse(metadata.toString()),
    content: JSON.parse(content.toString()),
    channel,
  };
}

/** Options of {@link KernelClient.start}. */
export interface StartOptions {
  /** Folder holding kernel.json; `{resource_dir}` in its argv is replaced by it. */
  specDir: string;
  /** Working directory of the kernel process. */
  cwd: string;
  /** Environment of the kernel process (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Give up if the kernel does not answer kernel_info within this many ms. Default 60 s. */
  startTimeoutMs?: number;
}

/**
 * One running kernel. `request` sends on shell (or control) and resolves with the reply; every iopub message
 * goes to the `onIopub` listeners. If the kernel process exits, pending requests reject with its last output.
 */
export class KernelClient {
  /** Kernels started and not yet shut down (killed if this process is interrupted, see {@link killAll}). */
  private static readonly live = new Set<KernelClient>();

  /** Kill every kernel this process started and did not shut down (on Ctrl-C, or exit). */
  static killAll(): void {
    for (const k of KernelClient.live) {
      k.closed = true;
      if (k.process.exitCode === null && k.process.signalCode === null) k.process.kill("SIGKILL");
    }
    KernelClient.live.clear();
  }

  readonly session = randomUUID();
  private readonly shell = new zmq.Dealer({ routingId: `open-rs-${randomBytes(6).toString("hex")}` });
  private readonly control = new zmq.Dealer({ routingId: `open-rs-${randomBytes(6).toString("hex")}` });
  private readonly iopub = new zmq.Subscriber();
  private readonly pending = new Map<
    string,
    { resolve: (m: JupyterMessage) => void; reject: (e: Error) => void }
  >();
  private readonly iopubListeners = new Set<(m: JupyterMessage) => void>();
  private closed = false;
  private exitError: Error | null = null;
  /** Last 8 KB the kernel process wrote to its own stdout/stderr (outside cells). */
  outputTail = "";
  /** kernel_info_reply content. */
  info: Record<string, unknown> = {};

  private constructor(
    readonly conn: ConnectionInfo,
    private readonly connFile: string,
    readonly process: ChildProcess,
  ) {}

  /** Start a kernel from its spec and wait until it answers on shell and publishes on iopub. */
  static async start(opts: StartOptions): Promise<KernelClient> {
    const spec = JSON.parse(readFileSync(path.join(opts.specDir, "kernel.json"), "utf8")) as KernelSpec;
    const [shell_port, iopub_port, stdin_port, control_port, hb_port] = await freePorts(5);
    const conn: ConnectionInfo = {
      transport: "tcp",
      ip: "127.0.0.1",
      shell_port,
      iopub_port,
      stdin_port,
      control_port,
      hb_port,
      key: randomBytes(32).toString("hex"),
      signature_scheme: "hmac-sha256",
      kernel_name: path.basename(opts.specDir),
    };
    const connFile = path.join(tmpdir(), `open-rs-kernel-${randomBytes(6).toString("hex")}.json`);
    writeFileSync(connFile, JSON.stringify(conn), { mode: 0o600 });
    const argv = spec.argv.map((a) =>
      a.replaceAll("{resource_dir}", opts.specDir).replaceAll("{connection_file}", connFile),
    );
    const child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      env: { ...(opts.env ?? process.env), ...(spec.env ?? {}) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const client = new KernelClient(conn, connFile, child);
    KernelClient.live.add(client);
    try {
      await client.connect(opts.startTimeoutMs ?? 60_000);
    } catch (e) {
      await client.shutdown(0);
      throw e;
    }
    return client;
  }

  private async connect(timeoutMs: number): Promise<void> {
    const keep = (b: Buffer) => {
      this.outputTail = (this.outputTail + b.toString()).slice(-8000);
    };
    this.process.stdout?.on("data", keep);
    this.process.stderr?.on("data", keep);
    this.process.on("error", (e) => this.fail(new Error(`cannot start the kernel: ${e.message}`)));
    this.process.on("exit", (code, signal) => {
      if (this.closed) return;
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      this.fail(new Error(`the kernel died (${how}); its last output:\n${this.outputTail.trim()}`));
    });
    const addr = (port: number) => `tcp://${this.conn.ip}:${port}`;
    this.shell.connect(addr(this.conn.shell_port));
    this.control.connect(addr(this.conn.control_port));
    this.iopub.connect(addr(this.conn.iopub_port));
    this.iopub.subscribe();
    this.readLoop(this.shell, "shell");
    this.readLoop(this.control, "control");
    this.readLoop(this.iopub, "iopub");
    // kernel_info until it answers; the busy/idle status of an answered request proves iopub is connected too
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitError) throw this.exitError;
      if (Date.now() > deadline) {
        throw new Error(
          `the kernel did not start within ${timeoutMs / 1000} s; its output:\n${this.outputTail}`,
        );
      }
      const sawStatus = new Promise<boolean>((resolve) => {
        const t = setTimeout(() => {
          this.iopubListeners.delete(on);
          resolve(false);
        }, 1000);
        const on = (m: JupyterMessage) => {
          if (m.header.msg_type !== "status" || m.parent_header.msg_id !== id) return;
          clearTimeout(t);
          this.iopubListeners.delete(on);
          resolve(true);
        };
        this.iopubListeners.add(on);
      });
      const id = randomUUID();
      const reply = this.request("kernel_info_request", {}, "shell", id);
      const got = await Promise.race([
        reply.then((r) => r),
        new Promise<null>((r) => setTimeout(() => r(null), 1000)),
      ]);
      if (got && (await sawStatus)) {
        this.info = got.content;
        return;
      }
      if (!got) {
        // no answer yet: forget this request (a late reply is dropped) and ask again
        this.pending.delete(id);
        reply.catch(() => {});
      }
    }
  }

  private async readLoop(sock: zmq.Dealer | zmq.Subscriber, channel: JupyterMessage["channel"]) {
    try {
      for await (const frames of sock) {
        let msg: JupyterMessage;
        try {
          msg = decodeFrames(this.conn.key, frames as Buffer[], channel);
        } catch {
          continue; // a malformed or forged message is dropped
        }
        if (channel === "iopub") {
          for (const fn of [...this.iopubListeners]) fn(msg);
        } else {
          const id = msg.parent_header.msg_id;
          const p = id ? this.pending.get(id) : undefined;
          if (p && id) {
            this.pending.delete(id);
            p.resolve(msg);
          }
        }
      }
    } catch (e) {
      if (!this.closed) this.fail(e as Error);
    }
  }

  private fail(err: Error): void {
    if (this.exitError) return;
    this.exitError = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** The error that ended the kernel, if it died. */
  get deathError(): Error | null {
    return this.exitError;
  }

  /** Listen to every iopub message; returns an unsubscribe function. */
  onIopub(fn: (m: JupyterMessage) => void): () => void {
    this.iopubListeners.add(fn);
    return () => this.iopubListeners.delete(fn);
  }

  /** Send a request; resolves with its reply. */
  request(
    msgType: string,
    content: Record<string, unknown>,
    channel: "shell" | "control" = "shell",
    msgId: string = randomUUID(),
  ): Promise<JupyterMessage> {
    if (this.exitError) return Promise.reject(this.exitError);
    const header = {
      msg_id: msgId,
      msg_type: msgType,
      session: this.session,
      username: "open-rs",
      date: new Date().toISOString(),
      version: "5.3",
    };
    const parts = [header, {}, {}, content].map((x) => JSON.stringify(x));
    const frames = [DELIM, sign(this.conn.key, parts), ...parts];
    const reply = new Promise<JupyterMessage>((resolve, reject) => {
      this.pending.set(msgId, { resolve, reject });
    });
    (channel === "shell" ? this.shell : this.control).send(frames).catch((e: Error) => {
      const p = this.pending.get(msgId);
      this.pending.delete(msgId);
      p?.reject(e);
    });
    return reply;
  }

  /** Interrupt the running cell (the spec's interrupt mode is a signal: SIGINT to the kernel process). */
  interrupt(): void {
    this.process.kill("SIGINT");
  }

  /** Ask the kernel to shut down, then make sure it is gone; closes the sockets and the connection file. */
  async shutdown(graceMs = 3000): Promise<void> {
    if (this.closed) return;
    if (!this.exitError) {
      const exited = new Promise<void>((r) => this.process.once("exit", () => r()));
      this.closed = true;
      await Promise.race([
        this.request("shutdown_request", { restart: false }, "control").catch(() => {}),
        new Promise((r) => setTimeout(r, graceMs)),
      ]);
      const timer = setTimeout(() => this.process.kill("SIGKILL"), graceMs);
      if (this.process.exitCode === null && this.process.signalCode === null) await exited;
      clearTimeout(timer);
    }
    this.closed = true;
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill("SIGKILL");
    KernelClient.live.delete(this);
    for (const s of [this.shell, this.control, this.iopub]) s.close();
    rmSync(this.connFile, { force: true });
  }
}

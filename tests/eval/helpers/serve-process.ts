/**
 * Starts `open-rs serve ARGS` as `node bin/open-rs.js` from the repo root (what `npx open-rs` runs, without an npm
 * wrapper, so SIGTERM reaches the server) and resolves with its URL once it prints the listening line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

const REPO = resolve(__dirname, "../../..");

export interface ServeProcess {
  child: ChildProcess;
  /** e.g. `http://127.0.0.1:40123` (pass `--port 0` for a free port). */
  url: string;
  /** Everything the server wrote to stderr so far. */
  stderr: () => string;
}

export function startServe(args: readonly string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, ["bin/open-rs.js", "serve", ...args], {
    cwd: REPO,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  return new Promise((resolveServe, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /at (http:\/\/[\d.]+:\d+)\/v1/.exec(err);
      if (m) resolveServe({ child, url: m[1], stderr: () => err });
    });
    child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

/**
 * A PATH with every `jupyter*` command removed: each PATH folder that has one is replaced by a folder of
 * symlinks to everything else in it (node, npm and sh stay reachable; Python stays too, but not Jupyter).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Build the stripped PATH under `scratch`; returns it. */
export function pathWithoutJupyter(scratch: string, path = process.env.PATH ?? ""): string {
  const out: string[] = [];
  path.split(delimiter).forEach((dir, i) => {
    if (!dir || !existsSync(dir)) return;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    if (!names.some((n) => n.startsWith("jupyter"))) {
      out.push(dir);
      return;
    }
    const shim = join(scratch, `path-${i}`);
    mkdirSync(shim, { recursive: true });
    for (const n of names) if (!n.startsWith("jupyter")) symlinkSync(join(dir, n), join(shim, n));
    out.push(shim);
  });
  return out.join(delimiter);
}

/** True when `jupyter` cannot be started with this PATH. */
export function jupyterAbsent(path: string): boolean {
  const r = spawnSync("jupyter", ["--version"], { env: { PATH: path }, encoding: "utf8" });
  return (r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

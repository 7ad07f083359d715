/**
 * `POST /update_weights_from_disk` (SGLang's request and response): loads the weights of an HF directory into
 * the served model. Off unless the server was started with `--allow-reload DIR`, and only for directories under
 * DIR (symlinks resolved). The files are read and checked first; the swap then waits for requests in flight
 * (they finish on the old weights) and holds new ones back until it is done.
 */
import { existsSync, realpathSync, statSync } from "node:fs";
import type * as http from "node:http";
import { isAbsolute, relative, resolve } from "node:path";
import { assignHostTensors } from "../grpo/model-state";
import { loadHfModelDir } from "../io/hf-dir";
import { parseQwen2Config } from "../model/config";
import type { Qwen2ForCausalLM } from "../model/qwen2";
import { validateQwen2Tensors } from "../model/weights";
import type { ServerContext } from "./server-handlers";
import { BadRequest, readBody, sendJson } from "./server-http";

/** What `--allow-reload DIR` enables. */
export interface ReloadOptions {
  /** Only directories under this one (after resolving symlinks) may be loaded. */
  allowDir: string;
  /** Reads and checks a directory's weights; resolves to the function that puts them into the served model. */
  prepare: (dir: string) => Promise<() => void>;
}

/** `allowDir` as an existing directory's real path; throws a one-line error otherwise. */
export function resolveAllowDir(dir: string): string {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new Error(`--allow-reload ${dir}: no such directory`);
  if (!statSync(abs).isDirectory()) throw new Error(`--allow-reload ${dir}: not a directory`);
  return realpathSync(abs);
}

const inside = (child: string, parent: string) => {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
};

/** SGLang's reply: `{success, message, num_paused_requests}`, 200 on success. */
function reply(res: http.ServerResponse, status: number, message: string): void {
  sendJson(res, status, { success: status === 200, message, num_paused_requests: 0 });
}

/** The checked real path of `model_path`, or the status and one-line reason to refuse it with. */
function checkPath(modelPath: string, allowDir: string): { dir: string } | { status: number; why: string } {
  const abs = resolve(modelPath);
  const outside = {
    status: 403,
    why: `model_path ${modelPath} is outside the directory this server may load from (--allow-reload ${allowDir})`,
  };
  // lexically first, so that nothing outside DIR is even looked at
  if (!inside(abs, allowDir) && !inside(abs, resolve(allowDir))) return outside;
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    return { status: 400, why: `model_path ${modelPath}: no such directory` };
  }
  if (!inside(real, allowDir)) {
    return {
      status: 403,
      why: `model_path ${modelPath} resolves to ${real}, outside the directory this server may load from (--allow-reload ${allowDir})`,
    };
  }
  if (!statSync(real).isDirectory())
    return { status: 400, why: `model_path ${modelPath} is not a directory` };
  return { dir: real };
}

/** The `POST /update_weights_from_disk` handler. */
export async function handleUpdateWeights(
  ctx: ServerContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const reload = ctx.reload;
  if (!reload) {
    await readBody(req, ctx.body).catch(() => "");
    return reply(res, 403, "weight reloading is off on this server; start it with --allow-reload DIR");
  }
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req, ctx.body));
  } catch (e) {
    if (e instanceof BadRequest) throw e;
    return reply(res, 400, `request body is not valid JSON: ${(e as Error).message}`);
  }
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof b.model_path !== "string" || b.model_path === "") {
    return reply(res, 400, "missing field 'model_path' (the directory with the new weights)");
  }
  const fmt = b.load_format;
  if (fmt !== undefined && fmt !== null && fmt !== "auto" && fmt !== "safetensors") {
    return reply(
      res,
      400,
      `load_format ${JSON.stringify(fmt)} is not supported; use "auto" or "safetensors"`,
    );
  }
  const checked = checkPath(b.model_path, reload.allowDir);
  if ("why" in checked) return reply(res, checked.status, checked.why);
  const t0 = performance.now();
  let apply: () => void;
  try {
    apply = await reload.prepare(checked.dir);
  } catch (e) {
    return reply(res, 400, `cannot load ${b.model_path}: ${(e as Error).message}`);
  }
  const release = await ctx.weightsLock.write();
  try {
    apply();
  } finally {
    release();
  }
  ctx.stats.reloads++;
  const ms = Math.round(performance.now() - t0);
  ctx.log(`open-rs serve: loaded the weights of ${checked.dir} (${ms} ms)`);
  reply(res, 200, "Succeeded to update model weights.");
}

/** Field by field difference of two parsed Qwen2 configs, e.g. `hidden_size 64 ≠ 32`; empty when equal. */
function configDiff(served: Record<string, unknown>, given: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(served), ...Object.keys(given)]);
  return [...keys]
    .filter((k) => JSON.stringify(served[k]) !== JSON.stringify(given[k]))
    .map((k) => `${k} ${JSON.stringify(given[k])} (served: ${JSON.stringify(served[k])})`);
}

/**
 * Reloading for our tfjs Qwen2: the directory must hold the same architecture (config.json compared field by
 * field, every tensor's name and shape checked); the weights are then assigned in place.
 */
export function qwen2Reloader(model: Qwen2ForCausalLM): ReloadOptions["prepare"] {
  return async (dir) => {
    const loaded = await loadHfModelDir(dir);
    const cfg = parseQwen2Config(loaded.config, `${loaded.dir}/config.json`);
    const diff = configDiff(
      model.cfg as unknown as Record<string, unknown>,
      cfg as unknown as Record<string, unknown>,
    );
    if (diff.length > 0) {
      throw new Error(
        `its config.json differs from the served model's: ${diff.join(", ")}; a reload keeps the architecture (restart the server to serve another model)`,
      );
    }
    validateQwen2Tensors(cfg, loaded.tensors, loaded.dir);
    return () => assignHostTensors(model, loaded.tensors);
  };
}

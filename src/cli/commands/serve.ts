/**
 * `open-rs serve --model DIR [--port N] [--host H]`: serves a local checkpoint with the OpenAI-compatible API
 * (`/v1/models`, `/v1/completions`, `/v1/chat/completions`, streaming), batching requests onto the one model;
 * `--api-key` guards every endpoint, `--allow-reload DIR` enables SGLang's `/update_weights_from_disk`.
 * Every flag is checked before the model loads; SIGTERM or Ctrl-C drains requests in flight, then exits.
 */
import { loadLocalModel } from "../../eval/local-model";
import { createServer, qwen2Reloader, resolveAllowDir, type ServeOptions } from "../../eval/server";
import { hostFlag, numberFlag, parseFlags, runCommand, UsageError } from "../errors";

/** One line for the usage listing. */
export const summary =
  "serve a local checkpoint with an OpenAI-compatible API (completions, chat, streaming)";

const HELP = `Usage: open-rs serve --model DIR [--port 8000] [--host 127.0.0.1] [options]

  --model DIR              HF checkpoint directory (config.json, safetensors, tokenizer files)
  --tokenizer DIR          tokenizer directory, if not the model's
  --name NAME              model name in /v1/models and the 'model' field (default: the directory's base
                           name; the DIR path as given is accepted too)
  --port N                 1–65535, default 8000 (0 picks a free port)
  --host H                 an IP address or localhost; default 127.0.0.1 (0.0.0.0 listens on every interface)
Batching:
  --max-batch B            most sequences per generate call (default 16)
  --micro-batch M          sequences decoded at once inside a call (default 8)
Per-request limits (a request over one gets 400 naming it):
  --max-sequences S        prompts × n (default 1024)
  --max-n N                n (default 64)
  --max-prompt-chars C     prompt characters, checked before tokenising (default 262144)
  --max-model-len L        prompt + max_tokens tokens (default: the model's max_position_embeddings)
  --default-max-tokens M   max_tokens when a request leaves it out (default 256, clipped to the room left)
  --max-body-mb S          request body in MiB (default 10)
Security and weight reloads:
  --api-key KEY            every endpoint answers 401 without 'Authorization: Bearer KEY' (as vLLM's --api-key;
                           default: $OPEN_RS_API_KEY if set, else no key)
  --allow-reload DIR       enable POST /update_weights_from_disk (SGLang's API) for HF directories under DIR
                           (symlinks resolved); off by default, since it loads files a client names
Shutdown:
  --drain-s S              on SIGTERM / Ctrl-C, let requests in flight finish for up to S seconds (default 5)`;

const OPTIONS = {
  model: { type: "string" },
  tokenizer: { type: "string" },
  name: { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  "max-batch": { type: "string" },
  "micro-batch": { type: "string" },
  "max-sequences": { type: "string" },
  "max-n": { type: "string" },
  "max-prompt-chars": { type: "string" },
  "max-model-len": { type: "string" },
  "default-max-tokens": { type: "string" },
  "max-body-mb": { type: "string" },
  "drain-s": { type: "string" },
  "api-key": { type: "string" },
  "allow-reload": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Flags = ReturnType<typeof parseFlags<typeof OPTIONS>>;

/** The server options the flags ask for; every value checked, naming its flag. */
export function serveOptionsFromFlags(flags: Flags): ServeOptions {
  const pos = (name: keyof typeof OPTIONS) =>
    numberFlag(String(name), flags[name] as string | undefined, { integer: true, min: 1 });
  const mb = numberFlag("max-body-mb", flags["max-body-mb"], { min: 0.001 });
  const apiKey = flags["api-key"] ?? (process.env.OPEN_RS_API_KEY || undefined);
  if (apiKey !== undefined && apiKey.trim() === "") {
    throw new UsageError("--api-key must be a non-empty key (or leave it out to serve without one)");
  }
  return {
    apiKey,
    aliases: flags.model ? [flags.model] : [],
    maxBatch: pos("max-batch"),
    maxSequences: pos("max-sequences"),
    maxN: pos("max-n"),
    maxPromptChars: pos("max-prompt-chars"),
    maxModelLen: pos("max-model-len"),
    defaultMaxTokens: pos("default-max-tokens"),
    maxBodyBytes: mb === undefined ? undefined : Math.ceil(mb * 1024 * 1024),
  };
}

/** Run `open-rs serve`; resolves when the server has shut down (SIGINT/SIGTERM). */
export function run(argv: string[]): Promise<number> {
  return runCommand("serve", () => serve(argv));
}

async function serve(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, OPTIONS);
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  if (!flags.model) throw new UsageError("--model DIR is required (a Hugging Face model directory)");
  const opts = serveOptionsFromFlags(flags);
  let allowDir: string | undefined;
  if (flags["allow-reload"] !== undefined) {
    try {
      allowDir = resolveAllowDir(flags["allow-reload"]);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const microBatch = numberFlag("micro-batch", flags["micro-batch"], { integer: true, min: 1 }) ?? 8;
  const port =
    flags.port === "0" ? 0 : (numberFlag("port", flags.port, { integer: true, min: 1, max: 65535 }) ?? 8000);
  const host = hostFlag(flags.host, "127.0.0.1");
  const drainMs = (numberFlag("drain-s", flags["drain-s"], { min: 0 }) ?? 5) * 1000;
  const { engine, model } = await loadLocalModel(flags.model, {
    label: flags.name,
    tokenizerDir: flags.tokenizer,
    microBatch,
    workers: 0, // a reload assigns the weights of this one in-process model
  });
  const reload = allowDir === undefined ? undefined : { allowDir, prepare: qwen2Reloader(model) };
  const srv = createServer(engine, { ...opts, reload, log: (line) => console.error(line) });
  const url = await srv.listen(port, host);
  const extras = [
    opts.apiKey === undefined ? "" : "API key required",
    allowDir === undefined ? "" : `weight reloads from ${allowDir}`,
  ].filter(Boolean);
  console.error(
    `open-rs serve: ${engine.label} at ${url}/v1${extras.length ? ` (${extras.join("; ")})` : ""} (Ctrl-C to stop)`,
  );
  const loopback = host === "localhost" || host === "::1" || host.startsWith("127.");
  if (allowDir !== undefined && opts.apiKey === undefined && !loopback) {
    console.error(
      `open-rs serve: warning: --allow-reload without --api-key on ${host}: anyone who can reach this port can load weights from ${allowDir}`,
    );
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(signal === "SIGINT" ? 130 : 143); // a second signal: now
      stopping = true;
      console.error(
        `open-rs serve: ${signal}: finishing requests in flight (up to ${drainMs / 1000} s), then exiting`,
      );
      void srv.shutdown(drainMs).then(({ finished, cancelled }) => {
        console.error(`open-rs serve: stopped (${finished} request(s) finished, ${cancelled} cancelled)`);
        resolve();
      });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return 0;
}

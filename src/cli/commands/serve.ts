/**
 * `open-rs serve --model DIR [--port N] [--host H]`: serves a local checkpoint with the OpenAI-compatible API
 * (`/v1/models`, `/v1/completions`, `/v1/chat/completions`, streaming), batching requests onto the one model.
 */
import { parseArgs } from "node:util";
import { loadLocalEngine } from "../../eval/local-model";
import { createServer } from "../../eval/server";

/** One line for the usage listing. */
export const summary =
  "serve a local checkpoint with an OpenAI-compatible API (completions, chat, streaming)";

const HELP = `Usage: open-rs serve --model DIR [--port 8000] [--host 127.0.0.1] [options]

  --model DIR            HF checkpoint directory (config.json, safetensors, tokenizer files)
  --tokenizer DIR        tokenizer directory, if not the model's
  --name NAME            model name in /v1/models and the 'model' field (default: the directory's base name;
                         the full DIR path is accepted too)
  --port N               default 8000 (0 picks a free port)
  --host H               default 127.0.0.1 (use 0.0.0.0 to listen on every interface)
  --max-batch B          most sequences per generate call (default 16)
  --micro-batch M        sequences decoded at once inside a call (default 8)
  --default-max-tokens M max_tokens when a request leaves it out (default 256)
  --max-body-mb S        request body limit in MiB (default 10)`;

const OPTIONS = {
  model: { type: "string" },
  tokenizer: { type: "string" },
  name: { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  "max-batch": { type: "string" },
  "micro-batch": { type: "string" },
  "default-max-tokens": { type: "string" },
  "max-body-mb": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function int(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const x = Number(v);
  if (!Number.isInteger(x) || x < 0) throw new Error(`--${name} must be a non-negative integer, got "${v}"`);
  return x;
}

/** Run `open-rs serve`; resolves when the server closes (SIGINT/SIGTERM). */
export async function run(argv: string[]): Promise<number> {
  let flags: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];
  try {
    flags = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    console.error(`open-rs serve: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  if (!flags.model) {
    console.error(`open-rs serve: --model DIR is required\n\n${HELP}`);
    return 2;
  }
  const engine = await loadLocalEngine(flags.model, {
    label: flags.name,
    tokenizerDir: flags.tokenizer,
    microBatch: int(flags["micro-batch"], "micro-batch", 8),
  });
  const srv = createServer(engine, {
    aliases: [flags.model],
    maxBatch: int(flags["max-batch"], "max-batch", 16),
    defaultMaxTokens: int(flags["default-max-tokens"], "default-max-tokens", 256),
    maxBodyBytes: int(flags["max-body-mb"], "max-body-mb", 10) * 1024 * 1024,
  });
  const url = await srv.listen(int(flags.port, "port", 8000), flags.host ?? "127.0.0.1");
  console.error(`open-rs serve: ${engine.label} at ${url}/v1 (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      console.error("open-rs serve: shutting down");
      void srv.close().then(resolve);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return 0;
}

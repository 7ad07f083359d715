/**
 * `open-rs convert DIR [--type f32|f16|q8_0] [--out FILE] [--force] [--json]`: writes a Qwen2 HF checkpoint as
 * GGUF for llama.cpp (cached by content hash under OPEN_RS_CACHE/gguf unless --out is given).
 */
import { parseArgs } from "node:util";
import { convertHfDir, GGUF_OUT_TYPES, parseGgufOutType } from "../../gguf/convert";

/** One line for the usage listing. */
export const summary = "convert a Qwen2 checkpoint directory to GGUF for llama.cpp (F32, F16, Q8_0; cached)";

const HELP = `Usage: open-rs convert DIR [--type f32|f16|q8_0] [--out FILE] [--force] [--json]

Writes DIR (config.json, safetensors, tokenizer.json, tokenizer_config.json) as a GGUF file with llama.cpp's
qwen2 architecture, byte-level BPE vocabulary and chat template.

  --type T     weight type: ${GGUF_OUT_TYPES.join(", ")} (default F32; norms and biases stay F32)
  --out FILE   write here instead of the cache (OPEN_RS_CACHE/gguf, default ~/.cache/open-rs-ts/gguf)
  --force      convert again even when the cache has this checkpoint
  --json       print the result as one JSON object

Prints the GGUF path on stdout; progress and notes go to stderr.`;

const OPTIONS = {
  type: { type: "string" },
  out: { type: "string" },
  force: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Run `open-rs convert`. */
export async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (e) {
    console.error(`open-rs convert: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const flags = parsed.values;
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    console.error(`open-rs convert: give exactly one checkpoint directory\n\n${HELP}`);
    return 2;
  }
  let type: ReturnType<typeof parseGgufOutType>;
  try {
    type = parseGgufOutType(flags.type ?? "F32", "--type");
  } catch (e) {
    console.error(`open-rs convert: ${(e as Error).message}`);
    return 2;
  }
  let last = performance.now();
  try {
    const res = await convertHfDir(parsed.positionals[0], {
      type,
      outFile: flags.out,
      force: flags.force,
      onTensor: (done, total) => {
        if (performance.now() - last < 2000 || done === total) return; // a line every 2 s on long conversions
        last = performance.now();
        console.error(`open-rs convert: ${done}/${total} tensors`);
      },
    });
    for (const n of res.notes) console.error(`open-rs convert: note: ${n}`);
    if (flags.json) {
      console.log(JSON.stringify({ ...res, type }));
    } else {
      const how = res.cached ? "cached" : `written in ${res.seconds.toFixed(2)} s`;
      const size =
        res.bytes < 2 ** 20
          ? `${(res.bytes / 1024).toFixed(1)} KiB`
          : `${(res.bytes / 2 ** 20).toFixed(1)} MiB`;
      console.error(`open-rs convert: ${type}, ${size}, ${how}`);
      console.log(res.path);
    }
    return 0;
  } catch (e) {
    console.error(`open-rs convert: ${(e as Error).message}`);
    return 1;
  }
}

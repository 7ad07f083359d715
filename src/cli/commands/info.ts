/**
 * `open-rs info [--backend tensorflow|wasm|cpu] [--json]`: which compute backend this machine gets, its threads
 * and SIMD, and why the preferred ones were skipped; then which llama.cpp builds (CPU, CUDA, Vulkan, Metal) load.
 */
import { BACKEND_NAMES, type BackendInfo, initBackend } from "../../backend/select";
import { type LlamaAvailability, llamaCppAvailability } from "../../engines/llama-runtime";
import { enumFlag, parseFlags, runCommand } from "../errors";

/** One line for the usage listing. */
export const summary = "show the compute backend chosen (threads, SIMD) and why others were skipped";

const HELP = `Usage: open-rs info [--backend tensorflow|wasm|cpu] [--json]

Shows which backend open-rs-ts runs on here. Order: tensorflow (tfjs-node-gpu, tfjs-node), wasm, cpu.
--backend (or OPEN_RS_BACKEND) forces one; --json prints the details as one JSON object.`;

/** Human-readable report of a backend choice. */
export function formatBackendInfo(info: BackendInfo): string {
  const what = info.package === null ? info.chosen : `${info.chosen} (${info.package})`;
  const simd = info.simd === null ? "" : `, SIMD ${info.simd ? "on" : "off"}`;
  const lines = [`backend: ${what}`, `threads: ${info.threads}${simd}`];
  if (info.skipped.length > 0) {
    lines.push("skipped:");
    for (const s of info.skipped) lines.push(`  ${s.name}: ${s.reason}`);
  }
  lines.push(`node: ${process.version}`);
  return lines.join("\n");
}

/** The llama.cpp engine's builds, one line each: `llama.cpp CUDA: no NVIDIA driver (...)`. */
export function formatLlamaCpp(list: LlamaAvailability[]): string {
  const why = (a: LlamaAvailability) => (a.reason.startsWith("no ") ? a.reason : `unavailable: ${a.reason}`);
  return list.map((a) => `llama.cpp ${a.name}: ${a.available ? `yes (${a.reason})` : why(a)}`).join("\n");
}

/** Run `open-rs info`. */
export function run(argv: string[]): Promise<number> {
  return runCommand("info", () => info(argv));
}

async function info(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    json: { type: "boolean" },
    backend: { type: "string" },
    help: { type: "boolean", short: "h" },
  } as const);
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const json = flags.json === true;
  const backend: BackendInfo["chosen"] | undefined = enumFlag("backend", flags.backend, BACKEND_NAMES);
  const info = await initBackend({ backend });
  const llama = await llamaCppAvailability();
  console.log(
    json
      ? JSON.stringify({ ...info, node: process.version, llamaCpp: llama })
      : `${formatBackendInfo(info)}\n${formatLlamaCpp(llama)}`,
  );
  return 0;
}

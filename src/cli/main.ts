/**
 * `open-rs <command> [args...]`: dispatches to `src/cli/commands/<command>.ts`. Each command module exports
 * `summary` (one line for the usage listing) and `run(argv)`, which resolves to the process exit code.
 */
import { join } from "node:path";
import { EXIT_USAGE, runCommand } from "./errors";

export { EXIT_USAGE } from "./errors";

/** What every file in src/cli/commands/ exports. */
export interface CliCommand {
  /** One line shown in the usage listing. */
  summary: string;
  /** Run with the arguments after the command name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/** The commands, in listing order: the only list (a command's file is src/cli/commands/<name>.ts). */
export const COMMAND_NAMES: readonly string[] = ["info", "make-tiny", "train", "eval", "serve", "convert"];

/**
 * Load a command module; throws naming the file when it is missing or lacks `summary`/`run`.
 * Modules load lazily, so `open-rs info` never pays for the training stack.
 */
export function loadCommand(name: string): CliCommand {
  const file = join(__dirname, "commands", name);
  let mod: Partial<CliCommand>;
  try {
    mod = require(file) as Partial<CliCommand>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "MODULE_NOT_FOUND" && String(e.message).includes(file)) {
      throw new Error(`src/cli/commands/${name}.ts is not in this checkout`);
    }
    throw err;
  }
  if (typeof mod.summary !== "string" || typeof mod.run !== "function") {
    throw new Error(`${file}.ts must export \`summary: string\` and \`run(argv): Promise<number>\``);
  }
  return mod as CliCommand;
}

/** The usage text: every command with its summary (or why it is unavailable). */
export function usage(): string {
  const width = Math.max(...COMMAND_NAMES.map((n) => n.length));
  const lines = COMMAND_NAMES.map((name) => {
    let summary: string;
    try {
      summary = loadCommand(name).summary;
    } catch (err) {
      summary = `(unavailable: ${(err as Error).message})`;
    }
    return `  ${name.padEnd(width)}  ${summary}`;
  });
  return [
    "Usage: open-rs <command> [args...]   (open-rs <command> --help for its options)",
    "",
    "Commands:",
    ...lines,
  ].join("\n");
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const out = usage();
    if (name === undefined) {
      console.error(out);
      return EXIT_USAGE;
    }
    console.log(out);
    return 0;
  }
  if (!COMMAND_NAMES.includes(name)) {
    console.error(`open-rs: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  return runCommand(name, () => loadCommand(name).run(rest));
}

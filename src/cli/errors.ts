/**
 * How every `open-rs` command ends on an error: one line on stderr, `open-rs <command>: <what and the fix>`,
 * exit code 2 for a usage error (bad flag or value) and 1 for anything else; the stack trace only with
 * OPEN_RS_DEBUG=1. Also the flag parsers every command shares, so each bad value names its flag.
 */
import { isIP } from "node:net";
import { parseArgs } from "node:util";

/** Exit code of a usage error (unknown flag, bad or missing value). */
export const EXIT_USAGE = 2;
/** Exit code of a runtime error (missing file, corrupt data, port in use). */
export const EXIT_FAILURE = 1;

/** A mistake in how a command was called; exits with {@link EXIT_USAGE}. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Node errors whose message is already a user-level explanation (parseArgs, file system, sockets). */
function isUsage(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return e instanceof UsageError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"));
}

/** What a system error means to a user, with the fix. */
function explainSystemError(e: NodeJS.ErrnoException): string | undefined {
  const where = e.path ?? (e as { address?: string }).address;
  switch (e.code) {
    case "ENOENT":
      return `${where ?? "a file"}: no such file or directory; check the path`;
    case "EACCES":
    case "EPERM":
      return `${where ?? "a file"}: permission denied`;
    case "EISDIR":
      return `${where ?? "the path"} is a directory; give a file`;
    case "ENOTDIR":
      return `${where ?? "the path"}: a part of the path is not a directory`;
    case "EADDRINUSE":
      return `port ${(e as { port?: number }).port ?? ""} is already in use; pick another with --port (0 picks a free one)`;
    case "EADDRNOTAVAIL":
      return `address ${where ?? ""} is not on this machine; use --host 127.0.0.1 or 0.0.0.0`;
    default:
      return undefined;
  }
}

/**
 * The one line shown for an error (newlines folded, so that a message never spans lines); a usage error ends
 * with `usageHint` (default: where the command's options are listed).
 */
export function errorLine(command: string, e: unknown, usageHint?: string): string {
  const err = e instanceof Error ? e : new Error(String(e));
  const msg = explainSystemError(err as NodeJS.ErrnoException) ?? err.message;
  const oneLine = msg
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" · ");
  const hint = isUsage(err) ? ` (${usageHint ?? `open-rs ${command} --help lists the options`})` : "";
  return `open-rs ${command}: ${oneLine}${hint}`;
}

/**
 * Runs a command's body and turns whatever it throws into one line on stderr and an exit code
 * ({@link EXIT_USAGE} for usage errors, {@link EXIT_FAILURE} otherwise). `OPEN_RS_DEBUG=1` adds the stack.
 */
export async function runCommand(
  command: string,
  body: () => Promise<number>,
  usageHint?: string,
): Promise<number> {
  try {
    return await body();
  } catch (e) {
    process.stderr.write(`${errorLine(command, e, usageHint)}\n`);
    if (process.env.OPEN_RS_DEBUG === "1" && e instanceof Error && e.stack)
      process.stderr.write(`${e.stack}\n`);
    return isUsage(e) ? EXIT_USAGE : EXIT_FAILURE;
  }
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

/** `parseArgs` in strict mode, with its errors as {@link UsageError}s. */
export function parseFlags<O extends Options>(argv: string[], options: O) {
  return parseCommandLine(argv, options, false).values;
}

/**
 * `parseArgs` in strict mode, flags and (when `allowPositionals`) positional arguments, with its errors as
 * {@link UsageError}s. Every command and script parses its argv this way.
 */
export function parseCommandLine<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options: options as O & Options, strict: true, allowPositionals });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A number flag (undefined when absent); `min`/`integer` checked, naming the flag and the value. */
export function numberFlag(
  name: string,
  value: string | undefined,
  o: { integer?: boolean; min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const x = value.trim() === "" ? Number.NaN : Number(value);
  const kind = o.integer ? "an integer" : "a number";
  const range =
    o.min !== undefined && o.max !== undefined
      ? ` in ${o.min}–${o.max}`
      : o.min !== undefined
        ? ` ≥ ${o.min}`
        : o.max !== undefined
          ? ` ≤ ${o.max}`
          : "";
  const ok =
    Number.isFinite(x) &&
    (!o.integer || Number.isSafeInteger(x)) &&
    (o.min === undefined || x >= o.min) &&
    (o.max === undefined || x <= o.max);
  if (!ok) throw new UsageError(`--${name} must be ${kind}${range}, got "${value}"`);
  return x;
}

/** An enum flag: one of `allowed` (undefined when absent). */
export function enumFlag<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(", ")}, got "${value}"`);
  }
  return value as T;
}

/** A comma-separated list flag whose items are each one of `allowed`. */
export function enumListFlag<T extends string>(name: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(",").filter(Boolean);
  if (items.length === 0) throw new UsageError(`--${name} needs at least one of ${allowed.join(", ")}`);
  return items.map((v) => enumFlag(name, v, allowed) as T);
}

/** A host to listen on: an IP literal or `localhost`. */
export function hostFlag(value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  if (value === "localhost" || isIP(value) !== 0) return value;
  throw new UsageError(
    `--host must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1) or localhost, got "${value}"`,
  );
}

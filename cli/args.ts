// Shared by the `wt` commands: a usage error (printed as one line to stderr, exit 1) and strict flag
// parsing that turns node:util's parse errors into one, with --json and --help on every command.
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {}

const COMMON = { json: { type: "boolean" }, help: { type: "boolean" } } as const;

/** Strict flags (no positionals) plus --json and --help; an unknown or malformed flag is a UsageError. */
export function parseFlags<O extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, ...COMMON }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

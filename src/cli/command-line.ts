// How the project's command-line tools read their arguments (node's parseArgs and the tool's own
// checks) and end on an error: one line naming what is wrong, never a stack trace; exit code 2 and
// the usage for a wrong argument.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { errorMessage } from '../shared/errors';
import { MissingPathError } from './files';
import { EVAL_CLASSES, type EvalClass } from './metrics';

/** A command line a tool cannot run: told with the usage, exit code 2. */
export class UsageError extends Error {}

/** A wrong command line: a tool's own UsageError, or node's parseArgs refusing an option. */
export function isUsageError(err: unknown): boolean {
  return err instanceof UsageError || String((err as { code?: unknown } | null)?.code).startsWith('ERR_PARSE_ARGS');
}

/** Says what is wrong and how the tool is used, on stderr, and exits with 2. */
export function exitWithUsage(tool: string, usage: string, message: string): never {
  console.error(`${tool}: ${message}\n\n${usage}`);
  process.exit(2);
}

/**
 * Runs a tool's body and sets the exit code: 0 when it finishes; on an error one line
 * `tool: message` on stderr, never a stack trace, then 2 for a wrong command line (with the
 * usage) or a path that does not exist, and 1 for anything else (a missing model, a full disk).
 */
export async function runTool(tool: string, usage: string, body: () => Promise<void> | void): Promise<void> {
  try {
    await body();
  } catch (err) {
    process.stderr.write(`${tool}: ${errorMessage(err)}\n`);
    const usageError = isUsageError(err);
    if (usageError) process.stderr.write(`\n${usage}\n`);
    process.exitCode = usageError || err instanceof MissingPathError ? 2 : 1;
  }
}

type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/**
 * `config` parsed from process.argv and handed to `read`, which checks it and returns the tool's
 * options (throwing an Error, such as a UsageError, that says what is wrong); without `read`, the
 * parsed arguments as they are. A wrong argument exits through exitWithUsage.
 */
export function parseCommandLine<T extends ParseArgsConfig>(tool: string, usage: string, config: T): Parsed<T>;
export function parseCommandLine<T extends ParseArgsConfig, R>(tool: string, usage: string, config: T, read: (parsed: Parsed<T>) => R): R;
export function parseCommandLine<T extends ParseArgsConfig, R>(
  tool: string,
  usage: string,
  config: T,
  read?: (parsed: Parsed<T>) => R,
): R | Parsed<T> {
  try {
    const parsed = parseArgs(config);
    return read ? read(parsed) : parsed;
  } catch (err) {
    exitWithUsage(tool, usage, errorMessage(err));
  }
}

/**
 * The label folders (with_mask/, without_mask/, incorrect/) a data set folder named on the command
 * line holds, in EVAL_CLASSES' order; none of them is a UsageError naming them, `hint` after it.
 */
export function labelFolders(dir: string, hint = ''): EvalClass[] {
  const labels = Object.keys(EVAL_CLASSES) as EvalClass[];
  const found = labels.filter((label) => existsSync(join(dir, label)));
  if (found.length === 0) throw new UsageError(`${dir} holds none of ${labels.map((l) => `${l}/`).join(', ')}${hint}`);
  return found;
}

/** A number from 0 up, or a UsageError naming the option. */
export function nonNegativeNumberOption(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a non-negative number, got "${value}"`);
  return n;
}

/** A whole number from `min` (up to `max`, when given), or a UsageError naming the option. */
export function wholeNumberOption(name: string, value: string, min = 1, max?: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
    const range = max === undefined ? `from ${min} up` : `from ${min} to ${max}`;
    throw new UsageError(`--${name} must be a whole number ${range}, got "${value}"`);
  }
  return n;
}

// How the project's command-line tools read their arguments: node's parseArgs and the tool's own
// checks, and on a wrong argument one line naming it, the usage, exit code 2 (never a stack trace).
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { errorMessage } from '../shared/errors';

/** A command line a tool cannot run: told with the usage, exit code 2. */
export class UsageError extends Error {}

/** Says what is wrong and how the tool is used, on stderr, and exits with 2. */
export function exitWithUsage(tool: string, usage: string, message: string): never {
  console.error(`${tool}: ${message}\n\n${usage}`);
  process.exit(2);
}

/**
 * `config` parsed from process.argv, then `check`ed (it throws an Error, such as a UsageError,
 * saying what is wrong); a wrong argument exits through exitWithUsage.
 */
export function parseCommandLine<T extends ParseArgsConfig>(
  tool: string,
  usage: string,
  config: T,
  check: (parsed: ReturnType<typeof parseArgs<T>>) => void = () => {},
): ReturnType<typeof parseArgs<T>> {
  try {
    const parsed = parseArgs(config);
    check(parsed);
    return parsed;
  } catch (err) {
    exitWithUsage(tool, usage, errorMessage(err));
  }
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

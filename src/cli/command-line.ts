// How the project's command-line tools read their arguments: node's parseArgs and the tool's own
// checks, and on a wrong argument one line naming it, the usage, exit code 2 (never a stack trace).
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { errorMessage } from '../shared/errors';

/** Says what is wrong and how the tool is used, on stderr, and exits with 2. */
export function exitWithUsage(tool: string, usage: string, message: string): never {
  console.error(`${tool}: ${message}\n\n${usage}`);
  process.exit(2);
}

/**
 * `config` parsed from process.argv, then `check`ed (it throws an Error saying what is wrong); a
 * wrong argument exits through exitWithUsage.
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

/** A whole number from `min` up, or an Error naming the option. */
export function wholeNumberOption(name: string, value: string, min = 1): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be a whole number from ${min} up, got "${value}"`);
  return n;
}

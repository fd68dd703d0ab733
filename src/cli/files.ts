// Expands the CLI's file and folder arguments into a sorted list of files.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A file or folder named on the command line is not there. */
export class MissingPathError extends Error {}

/**
 * Every regular file under the given paths, folders walked recursively, hidden entries skipped. A
 * path that does not exist throws MissingPathError naming it (a typo, not a system error).
 */
export function listFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (path: string): void => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (!entry.startsWith('.')) walk(join(path, entry));
      }
    } else if (stat.isFile()) {
      out.push(path);
    }
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new MissingPathError(`${p}: no such file or folder`);
    walk(p);
  }
  return out;
}

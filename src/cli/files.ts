// Expands the CLI's file and folder arguments into a sorted list of files.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every regular file under the given paths, folders walked recursively, hidden entries skipped. */
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
  for (const p of paths) walk(p);
  return out;
}

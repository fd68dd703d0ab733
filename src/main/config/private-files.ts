// Everything the kiosk keeps is about people (snapshots of faces, when each violation happened,
// the PIN's hash, the site password sealed): only the account the kiosk runs as may read it.
import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * From now on this process creates files 0600 and folders 0700 (SQLite's journal and WAL files,
 * snapshots, logs, CSV exports alike), and what `dir` already holds is tightened to the same.
 * POSIX only: on Windows the data folder under the user's profile is private already.
 */
export function keepPrivate(dir: string): void {
  if (process.platform === 'win32') return;
  process.umask(0o077);
  tighten(dir);
}

function tighten(path: string): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return; // gone meanwhile, or not there yet
  }
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
    for (const name of readdirSync(path)) tighten(join(path, name));
  } else if ((stat.mode & 0o077) !== 0) chmodSync(path, stat.mode & 0o700);
}

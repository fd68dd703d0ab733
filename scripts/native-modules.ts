// The developer's native modules, kept safe while electron-builder rebuilds them for Electron.
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** Production dependencies that compile C++ (a binding.gyp): the ones a rebuild for Electron replaces. */
export function nativeModuleDirs(projectDir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(pkg.dependencies ?? {})
    .map((name) => join(projectDir, 'node_modules', name))
    .filter((dir) => existsSync(join(dir, 'binding.gyp')));
}

/**
 * Runs `fn` with a copy of each folder set aside, and puts every folder back as it was afterwards,
 * whether `fn` returned, threw, or deleted the folder.
 */
export function withModulesRestored<T>(dirs: string[], fn: () => T): T {
  const aside = mkdtempSync(join(tmpdir(), 'native-modules-'));
  const saved = dirs.map((dir, i) => {
    const copy = join(aside, `${i}-${basename(dir)}`);
    cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });
    return { dir, copy };
  });
  try {
    return fn();
  } finally {
    for (const { dir, copy } of saved) putBack(copy, dir);
    rmSync(aside, { recursive: true, force: true });
  }
}

/**
 * `copy` back in `dir`'s place. It is first moved (or copied) beside `dir`, then swapped in by two
 * renames, so `dir` is missing for two system calls rather than a whole delete and copy: a test or
 * tool running beside the packaging may be loading the module from it.
 */
function putBack(copy: string, dir: string): void {
  const staged = `${dir}.restoring-${process.pid}`;
  const replaced = `${dir}.replaced-${process.pid}`;
  try {
    renameSync(copy, staged);
  } catch {
    // Another file system (EXDEV): copy it instead.
    cpSync(copy, staged, { recursive: true, verbatimSymlinks: true });
  }
  if (existsSync(dir)) renameSync(dir, replaced);
  renameSync(staged, dir);
  rmSync(replaced, { recursive: true, force: true });
}

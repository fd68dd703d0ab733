import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeModuleDirs, withModulesRestored } from '../../../scripts/native-modules';
import { REPO_ROOT } from '../../helpers/paths';

describe('native modules set aside during packaging', () => {
  it('are the production dependencies that compile C++', () => {
    expect(nativeModuleDirs(REPO_ROOT)).toEqual([join(REPO_ROOT, 'node_modules', 'better-sqlite3')]);
  });

  it('come back as they were when the rebuild replaced a file, deleted the folder and failed', () => {
    const root = mkdtempSync(join(tmpdir(), 'modules-'));
    const dir = join(root, 'better-sqlite3');
    mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
    writeFileSync(join(dir, 'build', 'Release', 'better_sqlite3.node'), 'built for Node');
    writeFileSync(join(dir, 'package.json'), '{}');
    try {
      expect(() =>
        withModulesRestored([dir], () => {
          writeFileSync(join(dir, 'build', 'Release', 'better_sqlite3.node'), 'built for Electron');
          rmSync(dir, { recursive: true });
          throw new Error('rebuild failed');
        }),
      ).toThrow('rebuild failed');
      expect(readFileSync(join(dir, 'build', 'Release', 'better_sqlite3.node'), 'utf8')).toBe('built for Node');
      expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe('{}');
      expect(withModulesRestored([dir], () => 7)).toBe(7);
      // Put back by renames beside it: nothing of the swap is left next to the module.
      expect(readdirSync(root)).toEqual(['better-sqlite3']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

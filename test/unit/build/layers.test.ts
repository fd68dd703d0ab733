// The layer rules of .dependency-cruiser.cjs, run on a small tree that breaks each of them once
// (test/fixtures/layers), so a rule that stops matching fails here rather than passing silently.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/paths';

const CLI = join(REPO_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

function violations(cwd: string): string[] {
  const run = spawnSync(process.execPath, [CLI, '--config', join(REPO_ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json', 'src'], {
    cwd,
    encoding: 'utf8',
  });
  const result = JSON.parse(run.stdout) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to.replace(/^.*node_modules\//, 'node_modules/')}`).sort();
}

describe('layer rules', () => {
  it('catch Electron outside the app glue, shared code importing main, and values the renderer takes from shared', () => {
    expect(violations(join(REPO_ROOT, 'test', 'fixtures', 'layers'))).toEqual([
      'electron-only-in-app-and-preload: src/main/vision/bad-electron.ts -> node_modules/electron/index.js',
      'renderer-takes-types-from-shared: src/renderer/Bad.svelte -> src/shared/langs.ts',
      'renderer-takes-types-from-shared: src/renderer/bad-value.ts -> src/shared/langs.ts',
      'shared-stands-alone: src/shared/bad-shared.ts -> src/main/thing.ts',
    ]);
  });

  it('hold in the code base', () => {
    expect(violations(REPO_ROOT)).toEqual([]);
  });
});

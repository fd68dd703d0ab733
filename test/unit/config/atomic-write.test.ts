import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/main/config/atomic-write';
import { REPO_ROOT } from '../../helpers/paths';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'atomic-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('atomic file replacement', () => {
  it('replaces a file, keeps the mode it is asked for, and leaves no temporary file', () => {
    const file = join(dir, 'sub', 'admin.json');
    writeFileAtomic(file, '{"a":1}', { mode: 0o600 });
    writeFileAtomic(file, new TextEncoder().encode('{"a":2}'), { mode: 0o600 });
    expect(readFileSync(file, 'utf8')).toBe('{"a":2}');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['admin.json']);
  });

  it('leaves the old or the new file, never a broken one, when the writer is killed mid-write', async () => {
    const file = join(dir, 'settings.json');
    writeFileSync(file, JSON.stringify({ fill: 'A'.repeat(2_000_000) }));
    const seen = new Set<string>();
    for (let round = 0; round < 6; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/helpers/atomic-writer.ts'), file], {
        cwd: REPO_ROOT,
      });
      // Let it get through a few writes, then kill it at an arbitrary moment.
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 7 + round * 13));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { fill: string };
      expect(parsed.fill.length).toBe(2_000_000);
      expect(new Set(parsed.fill).size).toBe(1);
      seen.add(parsed.fill[0]!);
    }
    expect(seen.size).toBeGreaterThanOrEqual(1);
  }, 60_000);
});

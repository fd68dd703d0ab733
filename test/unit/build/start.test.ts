// `npm start` where Electron's binary is missing (as here): one clear line that also points to
// the browser preview, and a non-zero exit, instead of a stack trace.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/paths';

const electronPresent = existsSync(join(REPO_ROOT, 'node_modules', 'electron', 'dist'));

describe.skipIf(electronPresent)('npm start without the Electron binary', () => {
  it('says so in one line, points to npm run preview, and exits 1', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'start.ts')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
    });
    expect(r.status).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('npm warn'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Cannot start the kiosk: the Electron binary is not available .*`npm run preview`/);
  });
});

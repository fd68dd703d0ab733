// Needs the Electron binary, which downloads from GitHub at install; where it is absent this
// test is skipped and says why in its name, and it runs wherever the binary is present.
import { describe, expect, it } from 'vitest';
import { _electron as electron } from 'playwright-core';
import { electronBinary } from '../../scripts/electron-binary';
import { REPO_ROOT } from '../helpers/paths';

const binary = electronBinary();
const reason = 'missing' in binary ? ` (skipped: Electron binary absent, ${binary.missing})` : '';
if (reason) console.warn(`electron-app.test.ts${reason}`);

describe('Electron app', () => {
  it.skipIf('missing' in binary)(`opens the kiosk window with the sandboxed preload API${reason}`, async () => {
    const app = await electron.launch({
      executablePath: (binary as { path: string }).path,
      args: [REPO_ROOT, '--no-sandbox'],
      env: { ...process.env, MASK_KIOSK_WINDOWED: '1' },
    });
    try {
      const page = await app.firstWindow();
      await expect.poll(() => page.title()).toBe('Mask Kiosk');
      const exposed = await page.evaluate(() => {
        const g = globalThis as { kiosk?: object; require?: unknown };
        return { kiosk: Object.keys(g.kiosk ?? {}), node: typeof g.require };
      });
      expect(exposed).toEqual({ kiosk: ['getStatus'], node: 'undefined' });
    } finally {
      await app.close();
    }
  });
});

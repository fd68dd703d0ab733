// Needs the Electron binary, which downloads from GitHub at install; where it is absent this
// test is skipped and says why in its name, and it runs wherever the binary is present.

import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { electronBinary } from '../../scripts/electron-binary';
import { CHANNELS } from '../../src/shared/channels';
import { REPO_ROOT } from '../helpers/paths';

const binary = electronBinary();
const reason = 'missing' in binary ? ` (skipped: Electron binary absent, ${binary.missing})` : '';
if (reason) console.warn(`electron-app.test.ts${reason}`);

describe('Electron app', () => {
  it.skipIf('missing' in binary)(`opens the kiosk window with the sandboxed preload API and a running vision engine${reason}`, async () => {
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
      expect({ ...exposed, kiosk: exposed.kiosk.sort() }).toEqual({ kiosk: Object.values(CHANNELS).sort(), node: 'undefined' });
      // The vision engine (out/main/engine-entry.js) started as Electron's utility process and answers frames.
      const answers = await page.evaluate(async () => {
        const kiosk = (globalThis as unknown as { kiosk: { getStatus(): Promise<unknown>; analyzeFrame(f: unknown): Promise<unknown> } })
          .kiosk;
        const frame = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 4).fill(90) };
        // The page's own camera loop may hold the one frame slot: try again while it is busy.
        let answer = (await kiosk.analyzeFrame(frame)) as { ok: boolean; code?: string };
        for (let i = 0; i < 50 && answer.code === 'busy'; i++) answer = (await kiosk.analyzeFrame(frame)) as typeof answer;
        return { status: await kiosk.getStatus(), frame: answer };
      });
      expect(answers.status).toMatchObject({ ok: true, value: { problem: null, model: expect.stringContaining('facemask-default') } });
      expect(answers.frame).toMatchObject({ ok: true, value: { width: 64, height: 48 } });
    } finally {
      await app.close();
    }
  });
});

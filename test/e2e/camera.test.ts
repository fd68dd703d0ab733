// Camera trouble in real Chromium: no camera at all, and a camera that drops out mid-run and comes
// back. The screen must say so and recover by itself, without a reload.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PreviewServer, startPreviewServer } from '../../src/cli/preview-server';
import { chromiumMissing, finishSetup, launchChromium } from '../helpers/browser';
import { SCRATCH_DIR } from '../helpers/paths';
import { makeClip } from '../helpers/video';

const missing = chromiumMissing();
const SHOTS = join(SCRATCH_DIR, 'e2e');

describe.skipIf(Boolean(missing))('camera problems', () => {
  let server: PreviewServer;
  let userData: string;
  const logs: string[] = [];

  beforeAll(async () => {
    userData = mkdtempSync(join(tmpdir(), 'kiosk-camera-'));
    server = await startPreviewServer({ userDataDir: userData, log: (level, m) => logs.push(`${level} ${m}`) });
    await finishSetup(server);
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (userData) rmSync(userData, { recursive: true, force: true });
  });

  it('says there is no camera, and keeps retrying', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.goto(server.url);
      await expect.poll(() => page.locator('main').getAttribute('data-camera'), { timeout: 15_000 }).toBe('absent');
      await expect.poll(() => page.locator('footer').innerText()).toMatch(/No camera found/);
      await page.screenshot({ path: join(SHOTS, 'camera-absent.png') });
      await expect
        .poll(() => logs.filter((l) => l === 'warn camera: absent: Requested device not found').length, { timeout: 15_000 })
        .toBeGreaterThanOrEqual(2);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('reports a camera that drops out and recovers when it is back', async () => {
    const clip = await makeClip([{ image: null, seconds: 2 }]);
    const browser = await launchChromium({ fakeVideo: clip });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.goto(server.url);
      await expect.poll(() => page.locator('main').getAttribute('data-camera'), { timeout: 15_000 }).toBe('live');
      // What an unplugged USB camera does to the page: its track ends.
      await page.evaluate(() => {
        type Track = { stop(): void; dispatchEvent(event: unknown): void };
        const page = globalThis as unknown as {
          document: { querySelector(s: string): { srcObject: { getVideoTracks(): Track[] } } };
          Event: new (type: string) => unknown;
        };
        const track = page.document.querySelector('video').srcObject.getVideoTracks()[0]!;
        track.stop();
        track.dispatchEvent(new page.Event('ended'));
      });
      await expect.poll(() => page.locator('main').getAttribute('data-camera'), { timeout: 5_000 }).not.toBe('live');
      expect(logs.some((l) => l.startsWith('warn camera: lost'))).toBe(true);
      await expect.poll(() => page.locator('main').getAttribute('data-camera'), { timeout: 15_000 }).toBe('live');
    } finally {
      await browser.close();
    }
  }, 60_000);
});

// Camera trouble in real Chromium: no camera at all, a camera that drops out mid-run and comes
// back, and one that stays connected but stops sending pictures. The screen must say so and
// recover by itself, without a reload, and never keep showing a verdict it is no longer making.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../../src/cli/preview-server';
import { chromiumMissing, finishSetup, withPage } from '../helpers/browser';
import { type OpenPreview, openPreview } from '../helpers/kiosk';
import { SCRATCH_DIR, sample } from '../helpers/paths';
import { makeClip } from '../helpers/video';

const missing = chromiumMissing();
const SHOTS = join(SCRATCH_DIR, 'e2e');

describe.skipIf(Boolean(missing))('camera problems', () => {
  let server: PreviewServer;
  let preview: OpenPreview | undefined;
  const logs: string[] = [];

  beforeAll(async () => {
    preview = await openPreview({ log: (level, m) => logs.push(`${level} ${m}`) });
    server = preview.server;
    await finishSetup(server);
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(() => preview?.close());

  it('says there is no camera, and keeps retrying', async () => {
    await withPage({}, async (page) => {
      await page.goto(server.url);
      await expect.poll(() => page.locator('main').getAttribute('data-camera'), { timeout: 15_000 }).toBe('absent');
      await expect.poll(() => page.locator('footer').innerText()).toMatch(/No camera found/);
      await page.screenshot({ path: join(SHOTS, 'camera-absent.png') });
      await expect
        .poll(() => logs.filter((l) => l === 'warn camera: absent: Requested device not found').length, { timeout: 15_000 })
        .toBeGreaterThanOrEqual(2);
    });
  }, 60_000);

  it('reports a camera that drops out and recovers when it is back', async () => {
    const clip = await makeClip([{ image: null, seconds: 2 }]);
    await withPage({ fakeVideo: clip }, async (page) => {
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
    });
  }, 60_000);

  it('clears the verdict of a camera that stays connected but sends no more pictures, and opens it again', async () => {
    const clip = await makeClip([{ image: sample('test', 'without_mask', 1)[0]!.path, seconds: 3 }]);
    await withPage({ fakeVideo: clip }, async (page) => {
      await page.goto(server.url);
      const screen = () => page.locator('main').getAttribute('data-state');
      await expect.poll(screen, { timeout: 20_000 }).toBe('violation');
      // What a hung webcam driver looks like from the page: the track stays live, no picture comes.
      await page.evaluate(() =>
        (globalThis as unknown as { document: { querySelector(s: string): { pause(): void } } }).document.querySelector('video').pause(),
      );
      const frozenAt = Date.now();
      await expect.poll(() => page.locator('main').getAttribute('data-camera'), { timeout: 6_000, interval: 100 }).toBe('stalled');
      // The verdict goes with the pictures, within the stall limit and the watchdog's half-second tick.
      expect(Date.now() - frozenAt).toBeLessThan(5_000);
      expect(await screen()).toBe('camera');
      await expect.poll(() => page.locator('footer').innerText()).toMatch(/stopped sending pictures/);
      await page.screenshot({ path: join(SHOTS, 'camera-stalled.png') });
      expect(logs.some((l) => /^warn camera: stalled .*: the camera sent no picture for \d/.test(l))).toBe(true);
      // Opened again, the camera sends pictures and the person is judged again.
      await expect.poll(() => page.locator('main').getAttribute('data-camera'), { timeout: 10_000 }).toBe('live');
      await expect.poll(screen, { timeout: 15_000 }).toBe('violation');
    });
  }, 90_000);
});

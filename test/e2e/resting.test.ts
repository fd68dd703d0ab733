// A lobby with nobody in it: after the set time the screen rests (dark, the camera's picture
// hidden, the words dim and drifting) and looks at 5 frames a second instead of every one; the
// first face wakes it and is judged as ever. Real Chromium, fake camera (an empty lobby, then a
// bare face), the shipped models. Screenshot: test/.cache/e2e/resting.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing } from '../helpers/browser';
import { type OpenKiosk, openKiosk } from '../helpers/kiosk';
import { SCRATCH_DIR } from '../helpers/paths';
import { makeClip } from '../helpers/video';
import { pickPortrait } from '../helpers/vision';

const SHOTS = join(SCRATCH_DIR, 'e2e');
const missing = chromiumMissing();
if (missing) console.warn(`resting.test.ts skipped: ${missing}`);

describe.skipIf(Boolean(missing))('kiosk: the screen rests while nobody is in view', () => {
  let kiosk: OpenKiosk | undefined;

  beforeAll(async () => {
    // A bare portrait the shipped model is sure of: the test is about what follows the refusal.
    const bare = await pickPortrait('without_mask');
    const clip = await makeClip([
      { image: null, seconds: 9 },
      { image: bare, seconds: 5 },
    ]);
    // 0.05 minutes: 3 s with nobody in view.
    kiosk = await openKiosk({ fakeVideo: clip, settings: { display: { restAfterMinutes: 0.05 } } });
  }, 300_000);

  afterAll(() => kiosk?.close());

  it('rests, dimmed and looking less often, and wakes for the first face', async () => {
    const { page, server } = kiosk!;
    await page.goto(server.url);
    const main = page.locator('main');
    const strip = page.locator('footer');
    await expect.poll(() => main.getAttribute('data-camera'), { timeout: 20_000 }).toBe('live');
    // Awake, every frame the camera gives is looked at (15 a second, fewer on a busy host).
    await expect.poll(async () => Number(await strip.getAttribute('data-fps')), { timeout: 5_000 }).toBeGreaterThan(6);
    await expect.poll(() => main.getAttribute('data-resting'), { timeout: 8_000, interval: 50 }).toBe('true');
    expect(await main.getAttribute('data-state')).toBe('idle');
    // The stats cover the last 2 s: resting, about 5 frames a second.
    await expect.poll(async () => Number(await strip.getAttribute('data-fps')), { timeout: 4_000 }).toBeLessThanOrEqual(5.5);
    expect(await main.getAttribute('data-resting')).toBe('true');
    expect(await page.locator('.preview').evaluate((el) => getComputedStyle(el).visibility)).toBe('hidden');
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'resting.png') });

    // The bare face walks in: awake, judged, and every frame looked at again.
    await expect.poll(() => main.getAttribute('data-state'), { timeout: 15_000, interval: 20 }).toBe('violation');
    expect(await main.getAttribute('data-resting')).toBe('false');
    expect(await page.locator('.preview').evaluate((el) => getComputedStyle(el).visibility)).toBe('visible');
    await expect.poll(async () => Number(await strip.getAttribute('data-fps')), { timeout: 5_000 }).toBeGreaterThan(6);
    expect(server.stats).toEqual({ rejected: 0, failed: 0 });
  }, 60_000);
});

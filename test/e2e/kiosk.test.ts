// The kiosk in real headless Chromium, fed by Chromium's fake camera from a clip of real test
// images (a person without a mask, then nobody, then a person with a mask), bound to the real
// core through the browser preview. Screenshots of each state go to test/.cache/e2e/.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../../src/cli/preview-server';
import type { ComplianceEvent } from '../../src/main/compliance/tracker';
import { chromiumMissing } from '../helpers/browser';
import { type OpenKiosk, openKiosk } from '../helpers/kiosk';
import { SCRATCH_DIR } from '../helpers/paths';
import { makeClip } from '../helpers/video';
import { crashEngine, pickPortrait } from '../helpers/vision';

const SHOTS = join(SCRATCH_DIR, 'e2e');

const missing = chromiumMissing();
if (missing) console.warn(`kiosk.test.ts skipped: ${missing}`);

describe.skipIf(Boolean(missing))('kiosk in Chromium with a fake camera', () => {
  let kiosk: OpenKiosk | undefined;
  let server: PreviewServer;
  let page: Page;
  const events: (ComplianceEvent & { seenAt: number })[] = [];

  beforeAll(async () => {
    const clip = await makeClip([
      { image: await pickPortrait('without_mask'), seconds: 4 },
      { image: null, seconds: 3 },
      { image: await pickPortrait('with_mask'), seconds: 4 },
    ]);
    kiosk = await openKiosk({ fakeVideo: clip, onEvents: (e) => events.push(...e.map((x) => ({ ...x, seenAt: Date.now() }))) });
    ({ server, page } = kiosk);
  }, 180_000);

  afterAll(() => kiosk?.close());

  it('goes violation, idle, compliant with one violation event, an alert and a chime', async () => {
    mkdirSync(SHOTS, { recursive: true });
    await page.goto(server.url);
    const wanted = ['violation', 'idle', 'compliant'] as const;
    const reachedAt: number[] = [];
    const deadline = Date.now() + 60_000;
    let next = 0;
    while (next < wanted.length && Date.now() < deadline) {
      const state = await page.locator('main').getAttribute('data-state');
      if (state === wanted[next]) {
        reachedAt.push(Date.now());
        await page.screenshot({ path: join(SHOTS, `${next + 1}-${state}.png`) });
        next++;
      }
      await page.waitForTimeout(40);
    }
    expect(wanted.slice(0, next)).toEqual(wanted);

    const [violationAt, , compliantAt] = reachedAt as [number, number, number];
    const during = events.filter((e) => e.seenAt <= compliantAt + 100);
    expect(during.filter((e) => e.kind === 'violation')).toHaveLength(1);
    expect(during.filter((e) => e.kind === 'compliant')).toHaveLength(1);
    expect(during.find((e) => e.kind === 'violation')!.seenAt).toBeLessThanOrEqual(violationAt + 100);

    expect(await page.locator('main').getAttribute('data-sounds')).toBe('alert,chime');

    const strip = page.locator('footer');
    const fps = Number(await strip.getAttribute('data-fps'));
    const latency = Number(await strip.getAttribute('data-latency-ms'));
    expect(fps).toBeGreaterThan(0);
    console.info(
      `e2e: sustained ${fps.toFixed(1)} fps, median frame-to-status ${latency.toFixed(1)} ms; status strip: ${await strip.innerText()}`,
    );
    expect(server.stats).toEqual({ rejected: 0, failed: 0 });
  }, 120_000);

  it('shows the problem screen while the vision worker restarts after a crash, then carries on', async () => {
    const main = page.locator('main');
    crashEngine(server.core.vision!);
    await expect.poll(() => main.getAttribute('data-state'), { timeout: 10_000, interval: 20 }).toBe('problem');
    expect(await page.locator('p.problem').innerText()).toMatch(/vision engine is restarting/);
    await page.screenshot({ path: join(SHOTS, '4-vision-restarting.png') });
    await expect.poll(() => main.getAttribute('data-state'), { timeout: 30_000, interval: 50 }).not.toBe('problem');
    await page.screenshot({ path: join(SHOTS, '5-after-restart.png') });
    expect(server.stats.failed).toBe(0);
  }, 60_000);

  it('stops showing a verdict once the vision engine stops answering, well before its watchdog restarts it', async () => {
    const main = page.locator('main');
    const verdicts = ['compliant', 'violation'];
    await expect
      .poll(async () => verdicts.includes((await main.getAttribute('data-state')) ?? ''), { timeout: 20_000, interval: 50 })
      .toBe(true);
    // A hung engine: alive, its frame never answered (the engine's watchdog gives it 10 s).
    crashEngine(server.core.vision!, 'SIGSTOP');
    const hungAt = Date.now();
    await expect.poll(() => main.getAttribute('data-state'), { timeout: 6_000, interval: 50 }).toBe('idle');
    const cleared = Date.now() - hungAt;
    console.info(`e2e: verdict cleared ${cleared} ms after the engine hung`);
    expect(cleared).toBeLessThan(5_000);
    await expect.poll(() => main.getAttribute('data-state'), { timeout: 20_000, interval: 50 }).toBe('problem');
    await expect.poll(() => main.getAttribute('data-state'), { timeout: 30_000, interval: 50 }).not.toBe('problem');
  }, 90_000);
});

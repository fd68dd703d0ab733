// Two people in view: a masked visitor at the kiosk and a bare-faced passer-by far behind her, too
// small to judge. The screen keeps thanking the visitor (a verdict outranks guidance), while the
// passer-by's own box asks them to step closer. Real Chromium, fake camera, the shipped models.
// Screenshot: test/.cache/e2e/passer-by.png.
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
import { pickPortrait } from '../helpers/vision';

const SHOTS = join(SCRATCH_DIR, 'e2e');
const missing = chromiumMissing();
if (missing) console.warn(`passer-by.test.ts skipped: ${missing}`);

describe.skipIf(Boolean(missing))('kiosk: a masked visitor with a passer-by far behind', () => {
  let kiosk: OpenKiosk | undefined;
  let server: PreviewServer;
  let page: Page;
  const events: ComplianceEvent[] = [];

  beforeAll(async () => {
    const passerBy = { image: await pickPortrait('without_mask'), height: 130, left: 20, top: 40 };
    const clip = await makeClip([{ image: await pickPortrait('with_mask'), seconds: 7, companion: passerBy }]);
    kiosk = await openKiosk({ fakeVideo: clip, onEvents: (e) => events.push(...e) });
    ({ server, page } = kiosk);
  }, 300_000);

  afterAll(() => kiosk?.close());

  it('keeps thanking the visitor while the passer-by is asked to step closer on their own box', async () => {
    mkdirSync(SHOTS, { recursive: true });
    await page.goto(server.url);
    const main = page.locator('main');
    await expect.poll(() => main.getAttribute('data-state'), { timeout: 30_000, interval: 20 }).toBe('compliant');
    await expect.poll(() => page.locator('.view .box').count(), { timeout: 5_000, interval: 50 }).toBe(2);
    await expect.poll(() => page.locator('.view .box.guidance .label').innerText(), { timeout: 5_000 }).toBe('Please step closer');
    const states: string[] = [];
    for (let i = 0; i < 20; i++) {
      states.push((await main.getAttribute('data-state')) ?? '');
      await page.waitForTimeout(100);
    }
    expect(new Set(states)).toEqual(new Set(['compliant']));
    await page.screenshot({ path: join(SHOTS, 'passer-by.png') });
    expect(events.map((e) => e.kind)).toEqual(['compliant']);
  }, 60_000);
});

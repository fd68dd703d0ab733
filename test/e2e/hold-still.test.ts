// A person the kiosk cannot decide on is not left on "checking": after 1.2 s between the lines
// the screen asks them to hold still and look at it. Driven through real Chromium with a fake
// camera, with the contract model (its answer is a function of the crop's colours: a greyscale
// face sits near 0.5, between the kiosk's lines) so the undecided person is certain.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../../src/cli/preview-server';
import type { ComplianceEvent } from '../../src/main/compliance/tracker';
import { chromiumMissing } from '../helpers/browser';
import { type OpenKiosk, openKiosk } from '../helpers/kiosk';
import { CONTRACT_MODEL_DIR, manifest, SCRATCH_DIR } from '../helpers/paths';
import { makeClip } from '../helpers/video';

const SHOTS = join(SCRATCH_DIR, 'e2e');
const missing = chromiumMissing();

describe.skipIf(Boolean(missing))('a person the kiosk cannot decide on', () => {
  let kiosk: OpenKiosk | undefined;
  let server: PreviewServer;
  let page: Page;
  const events: ComplianceEvent[] = [];

  beforeAll(async () => {
    const userData = mkdtempSync(join(tmpdir(), 'kiosk-hold-still-'));
    const row = manifest().find((r) => r.split === 'test' && r.label === 'without_mask' && r.width >= 300 && r.height >= 300)!;
    const grey = join(userData, 'grey-portrait.png');
    await sharp(row.path).greyscale().toColourspace('srgb').png().toFile(grey);
    kiosk = await openKiosk({
      fakeVideo: await makeClip([{ image: grey, seconds: 6 }]),
      settings: { model: { folder: CONTRACT_MODEL_DIR } },
      onEvents: (e) => events.push(...e),
      userData,
    });
    ({ server, page } = kiosk);
  }, 120_000);

  afterAll(() => kiosk?.close());

  it('is checked first, then asked to hold still, and no event is logged', async () => {
    mkdirSync(SHOTS, { recursive: true });
    await page.goto(server.url);
    const main = page.locator('main');
    await expect.poll(() => main.getAttribute('data-state'), { timeout: 30_000, interval: 20 }).toBe('checking');
    const checkingAt = Date.now();
    await expect.poll(() => main.getAttribute('data-state'), { timeout: 10_000, interval: 20 }).toBe('guidance');
    expect(Date.now() - checkingAt).toBeGreaterThan(800);
    expect(await page.locator('main h1').innerText()).toBe('Please hold still');
    await page.screenshot({ path: join(SHOTS, 'hold-still.png') });
    expect(events).toEqual([]);
    expect(server.stats).toEqual({ rejected: 0, failed: 0 });
  }, 60_000);
});

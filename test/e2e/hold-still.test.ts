// A person the kiosk cannot decide on is not left on "checking": after 1.2 s between the lines
// the screen asks them to hold still and look at it. Driven through real Chromium with a fake
// camera, with the contract model (its answer is a function of the crop's colours: a greyscale
// face sits near 0.5, between the kiosk's lines) so the undecided person is certain.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PreviewServer, startPreviewServer } from '../../src/cli/preview-server';
import type { ComplianceEvent } from '../../src/main/compliance/tracker';
import { chromiumMissing, finishSetup, launchChromium } from '../helpers/browser';
import { CONTRACT_MODEL_DIR, manifest, SCRATCH_DIR } from '../helpers/paths';
import { makeClip } from '../helpers/video';

const SHOTS = join(SCRATCH_DIR, 'e2e');
const missing = chromiumMissing();

describe.skipIf(Boolean(missing))('a person the kiosk cannot decide on', () => {
  let server: PreviewServer;
  let browser: Browser;
  let page: Page;
  let userData: string;
  const events: ComplianceEvent[] = [];

  beforeAll(async () => {
    userData = mkdtempSync(join(tmpdir(), 'kiosk-hold-still-'));
    const row = manifest().find((r) => r.split === 'test' && r.label === 'without_mask' && r.width >= 300 && r.height >= 300)!;
    const grey = join(userData, 'grey-portrait.png');
    await sharp(row.path).greyscale().toColourspace('srgb').png().toFile(grey);
    const clip = await makeClip([{ image: grey, seconds: 6 }]);
    writeFileSync(join(userData, 'settings.json'), JSON.stringify({ model: { folder: CONTRACT_MODEL_DIR } }));
    server = await startPreviewServer({ userDataDir: userData, log: () => {}, onEvents: (e) => events.push(...e) });
    await finishSetup(server);
    browser = await launchChromium({ fakeVideo: clip });
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (userData) rmSync(userData, { recursive: true, force: true });
  });

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

// The first-run set-up in the staff's language: it offers the PC's own language when the kiosk has
// it, staff may pick another, and the kiosk starts in the one they chose; on a portrait screen
// too.
// Screenshot: test/.cache/e2e/setup-language.png.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../../src/cli/preview-server';
import { LOCALES } from '../../src/renderer/src/lib/i18n';
import { chromiumMissing, launchChromium } from '../helpers/browser';
import { type OpenPreview, openPreview } from '../helpers/kiosk';
import { SCRATCH_DIR } from '../helpers/paths';
import { makeClip } from '../helpers/video';

const missing = chromiumMissing();
const SHOTS = join(SCRATCH_DIR, 'e2e');

describe.skipIf(Boolean(missing))('first-run set-up', () => {
  let preview: OpenPreview | undefined;
  let server: PreviewServer;
  let browser: Browser;
  let userData: string;

  beforeAll(async () => {
    preview = await openPreview();
    ({ server, userData } = preview);
    browser = await launchChromium({ fakeVideo: await makeClip([{ image: null, seconds: 2 }]) });
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await preview?.close();
  });

  it("starts in the PC's language, and the kiosk runs in the one staff pick", async () => {
    const { de, fr } = LOCALES;
    // A German PC: the set-up speaks German before anything is saved.
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'de-DE' });
    await page.goto(server.url);
    await expect.poll(() => page.locator('[data-screen="setup"] h1').innerText(), { timeout: 15_000 }).toBe(de['setup.title']);
    expect(await page.locator('#pad-title').innerText()).toBe(de['admin.setTitle']);
    expect(await page.locator('html').getAttribute('lang')).toBe('de');

    // Staff prefer French: every word of the set-up follows at once, the PIN pad's too.
    await page.locator('select[name="setupLanguage"]').selectOption({ label: 'Français' });
    await expect.poll(() => page.locator('[data-screen="setup"] h1').innerText()).toBe(fr['setup.title']);
    expect(await page.locator('#pad-title').innerText()).toBe(fr['admin.setTitle']);
    await page.screenshot({ path: join(SHOTS, 'setup-language.png') });
    await page.keyboard.type('5821');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#pad-title').innerText()).toBe(fr['admin.confirmTitle']);
    await page.keyboard.type('5821');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-screen="setup"]').getAttribute('data-step')).toBe('camera');
    // On a portrait screen too, the way on stays in view (the page does not scroll), with the
    // camera live and listed by name.
    await expect.poll(() => page.locator('.state').getAttribute('data-camera'), { timeout: 15_000 }).toBe('live');
    await page.setViewportSize({ width: 768, height: 1024 });
    const start = page.getByRole('button', { name: fr['setup.start'] });
    const at = (await start.boundingBox())!;
    expect(at.x + at.width).toBeLessThanOrEqual(768);
    expect(at.y + at.height).toBeLessThanOrEqual(1024);
    await page.screenshot({ path: join(SHOTS, 'setup-camera-portrait.png') });
    await start.click();

    // The kiosk itself, after the set-up's reload, in French; the choice is saved.
    await expect.poll(() => page.locator('main.kiosk').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.locator('main.kiosk h1').innerText()).toBe(fr['idle.title']);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    expect(JSON.parse(readFileSync(join(userData, 'settings.json'), 'utf8')).language).toBe('fr');
  }, 60_000);
});

// Settings apply while the kiosk runs: main pushes its status to the screen when staff save, so
// the language changes at once, without a reload, and the page's <html lang> follows; the privacy
// line says what the kiosk keeps of faces, from the settings as they are.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../../src/cli/preview-server';
import type { KioskApi } from '../../src/preload/api';
import type { Settings } from '../../src/shared/settings';
import { chromiumMissing, finishSetup, withPage } from '../helpers/browser';
import { type OpenPreview, openPreview } from '../helpers/kiosk';
import { SCRATCH_DIR } from '../helpers/paths';
import { makeClip } from '../helpers/video';

const missing = chromiumMissing();
const SHOTS = join(SCRATCH_DIR, 'e2e');
const PIN = '2468';

/**
 * Saves the settings as they are with other languages, as the settings form does once unlocked;
 * given `pin`, unlocks first and locks again after, as staff would.
 */
function saveLanguages(page: Page, languages: Partial<Pick<Settings, 'language' | 'secondLanguage'>>, pin?: string) {
  return page.evaluate(
    async ({ patch, pin }) => {
      const kiosk = (globalThis as unknown as { kiosk: KioskApi }).kiosk;
      if (pin) await kiosk.unlockAdmin({ pin });
      const current = await kiosk.getSettings();
      const saved = current.ok ? await kiosk.saveSettings({ ...current.value, ...patch }) : current;
      if (pin) await kiosk.lockAdmin();
      return saved;
    },
    { patch: languages, pin },
  );
}

describe.skipIf(Boolean(missing))('status pushed to the kiosk screen', () => {
  let server: PreviewServer;
  let preview: OpenPreview | undefined;

  beforeAll(async () => {
    preview = await openPreview();
    server = preview.server;
    await finishSetup(server, PIN);
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(() => preview?.close());

  it('switches the screen to the language and privacy settings staff save, without a reload', async () => {
    const clip = await makeClip([{ image: null, seconds: 2 }]);
    await withPage({ fakeVideo: clip }, async (page) => {
      await page.goto(server.url);
      const title = page.locator('h1');
      await expect.poll(() => title.innerText(), { timeout: 15_000 }).toBe('Welcome');
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      const privacy = page.locator('p.privacy');
      expect(await privacy.innerText()).toBe('Mask check on this device. Violations are kept 30 days, faces blurred.');
      await page.screenshot({ path: join(SHOTS, 'privacy-line.png') });
      // A mark that a reload would wipe.
      await page.evaluate(() => Object.assign(globalThis, { notReloaded: true }));

      // As the settings form does it: unlock, read, save with another language.
      const saved = await page.evaluate(async (pin) => {
        const kiosk = (globalThis as unknown as { kiosk: KioskApi }).kiosk;
        await kiosk.unlockAdmin({ pin });
        const current = await kiosk.getSettings();
        if (!current.ok) return current;
        const s = current.value;
        return kiosk.saveSettings({ ...s, language: 'de', privacy: { snapshot: 'none' }, retention: { ...s.retention, days: 14 } });
      }, PIN);
      expect(saved).toMatchObject({ ok: true, value: { restartNeeded: false } });

      await expect.poll(() => title.innerText(), { timeout: 5_000 }).toBe('Willkommen');
      expect(await page.locator('html').getAttribute('lang')).toBe('de');
      expect(await privacy.innerText()).toBe('Maskenprüfung auf diesem Gerät. Verstöße werden 14 Tage ohne Bild gespeichert.');
      expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
      expect(await page.locator('.second').count()).toBe(0);
      await page.screenshot({ path: join(SHOTS, 'live-language.png') });

      // A second language for visitors from abroad: said again under the first, the privacy line too.
      expect(await saveLanguages(page, { secondLanguage: 'fr' })).toMatchObject({ ok: true });
      const second = page.locator('.status .second');
      await expect.poll(() => second.locator('h2').innerText(), { timeout: 5_000 }).toBe('Bienvenue');
      expect(await second.getAttribute('lang')).toBe('fr');
      expect(await title.innerText()).toBe('Willkommen');
      expect(await privacy.innerText()).toBe(
        'Maskenprüfung auf diesem Gerät. Verstöße werden 14 Tage ohne Bild gespeichert.\nContrôle du masque sur cet appareil. Les infractions sont conservées 14 jours, sans photo.',
      );
      await page.screenshot({ path: join(SHOTS, 'live-second-language.png') });

      // The same language twice is said once.
      expect(await saveLanguages(page, { language: 'fr' })).toMatchObject({ ok: true });
      await expect.poll(() => title.innerText(), { timeout: 5_000 }).toBe('Bienvenue');
      expect(await page.locator('.second').count()).toBe(0);
    });
  }, 60_000);

  it('fits a portrait screen (a floor-standing kiosk): the words above the picture, nothing cut off', async () => {
    const clip = await makeClip([{ image: null, seconds: 2 }]);
    await withPage({ fakeVideo: clip, viewport: { width: 768, height: 1024 } }, async (page) => {
      await page.goto(server.url);
      // The longest words the kiosk has: German, with English under it.
      expect(await saveLanguages(page, { language: 'de', secondLanguage: 'en' }, PIN)).toMatchObject({ ok: true });
      await expect.poll(() => page.locator('.status .second h2').innerText(), { timeout: 10_000 }).toBe('Welcome');
      for (const viewport of [
        { width: 768, height: 1024 },
        { width: 1080, height: 1920 },
      ]) {
        await page.setViewportSize(viewport);
        const box = async (selector: string) => (await page.locator(selector).boundingBox())!;
        const [status, preview, footer] = [await box('.status'), await box('.preview'), await box('footer')];
        expect(preview.y, `${viewport.width}x${viewport.height}`).toBeGreaterThanOrEqual(status.y + status.height - 1);
        expect(preview.width).toBeGreaterThan(viewport.width / 3);
        expect(footer.y + footer.height).toBeLessThanOrEqual(viewport.height);
        await page.screenshot({ path: join(SHOTS, `portrait-${viewport.width}x${viewport.height}.png`) });
      }
      // Staff's way out stays on the narrow screen too: the admin screen's buttons wrap.
      await page.setViewportSize({ width: 768, height: 1024 });
      await page.keyboard.press('Control+Shift+A');
      await expect.poll(() => page.locator('#pad-title').count()).toBe(1);
      await page.keyboard.type(PIN);
      await page.keyboard.press('Enter');
      const leave = page.locator('[data-screen="admin"] button.danger');
      await expect.poll(() => leave.count()).toBe(1);
      const exit = (await leave.boundingBox())!;
      expect(exit.x + exit.width).toBeLessThanOrEqual(768);
      await page.screenshot({ path: join(SHOTS, 'portrait-admin.png') });
    });
  }, 60_000);
});

describe.skipIf(Boolean(missing))('the crash screen', () => {
  let server: PreviewServer;
  let preview: OpenPreview | undefined;

  beforeAll(async () => {
    preview = await openPreview();
    server = preview.server;
  }, 120_000);

  afterAll(() => preview?.close());

  it('says why the kiosk stopped in the language main names, from a code and values', async () => {
    await withPage({}, async (page) => {
      const origin = new URL(server.url).origin;
      await page.goto(`${origin}/crash.html#reason=repeated_failure&lang=de&count=5&detail=ENOSPC%3A%20disk%20full`);
      await expect.poll(() => page.locator('h1').innerText()).toBe('Der Kiosk macht eine kurze Pause');
      expect(await page.locator('#staff').innerText()).toBe(
        'Für das Personal: Die App ist in 10 Minuten 5-mal ausgefallen (ENOSPC: disk full). Starten Sie sie neu, sobald die Ursache behoben ist; Details stehen im App-Protokoll.',
      );
      expect(await page.locator('html').getAttribute('lang')).toBe('de');
      await page.screenshot({ path: join(SHOTS, 'crash-de.png') });
      expect(await page.locator('#second').isHidden()).toBe(true);
      // Said again in the second language staff chose, for visitors from abroad.
      await page.goto(`${origin}/crash.html#reason=repeated_failure&lang=de&lang2=es&count=5`);
      await page.reload();
      await expect.poll(() => page.locator('#title2').innerText()).toBe('El quiosco hace una breve pausa');
      expect(await page.locator('#second').getAttribute('lang')).toBe('es');
      expect(await page.locator('#body2').innerText()).toBe('Lleve mascarilla en este edificio, por favor.');
      await page.screenshot({ path: join(SHOTS, 'crash-de-es.png') });
      // An unknown language falls back to English rather than showing keys.
      await page.goto(`${origin}/crash.html#reason=display_failure&lang=xx`);
      await page.reload();
      await expect.poll(() => page.locator('#staff').innerText()).toMatch(/^For staff: the display stopped several times in a row/);
    });
  }, 60_000);
});

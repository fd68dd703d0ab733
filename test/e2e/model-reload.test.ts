// Staff change the model folder in the admin screen and the kiosk runs the new model at once: the
// status strip names it without a reload of the page or a restart of the app. The same form's
// other choices that change the kiosk at once: the nose check, a second language for visitors.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../../src/cli/preview-server';
import { LOCALES } from '../../src/renderer/src/lib/i18n';
import { chromiumMissing, finishSetup, launchChromium } from '../helpers/browser';
import { type OpenPreview, openPreview } from '../helpers/kiosk';
import { CONTRACT_MODEL_DIR, REPO_ROOT, SCRATCH_DIR } from '../helpers/paths';

const SHOTS = join(SCRATCH_DIR, 'e2e');
const EN: Record<string, string> = LOCALES.en;
const FR: Record<string, string> = LOCALES.fr;
const missing = chromiumMissing();

describe.skipIf(Boolean(missing))('changing the model in the admin screen', () => {
  let server: PreviewServer;
  let browser: Browser;
  let page: Page;
  let userData: string;
  let preview: OpenPreview | undefined;

  beforeAll(async () => {
    preview = await openPreview({
      prepare: (dir) => writeFileSync(join(dir, 'settings.json'), JSON.stringify({ model: { folder: CONTRACT_MODEL_DIR } })),
    });
    ({ server, userData } = preview);
    await finishSetup(server, '2468');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await preview?.close();
  });

  /** Staff's way in: the shortcut, the PIN, the settings tab. */
  const openSettings = async (): Promise<void> => {
    await page.keyboard.press('Control+Shift+A');
    await expect.poll(() => page.locator('#pad-title').innerText()).toBe('Admin PIN');
    await page.keyboard.type('2468');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Settings' }).click();
  };

  it('runs the new model at once, and the status strip names it without a reload', async () => {
    mkdirSync(SHOTS, { recursive: true });
    await page.goto(server.url);
    const strip = page.locator('footer');
    await expect.poll(() => strip.innerText(), { timeout: 20_000 }).toMatch(/contract-model/);
    await openSettings();
    const folder = page.locator('input[name="modelFolder"]');
    await folder.fill(join(REPO_ROOT, 'models', 'facemask-default'));
    await folder.dispatchEvent('change');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.settings .message').innerText(), { timeout: 30_000 }).toBe('Saved.');
    await page.screenshot({ path: join(SHOTS, 'model-reloaded-settings.png') });
    await page.getByRole('button', { name: 'Lock' }).click();
    const shipped = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'facemask-default', 'config.json'), 'utf8')) as {
      model_version: string;
    };
    await expect.poll(() => strip.innerText(), { timeout: 10_000 }).toContain(`facemask-default ${shipped.model_version} `);
    await page.screenshot({ path: join(SHOTS, 'model-reloaded-kiosk.png') });
    expect(server.stats).toEqual({ rejected: 0, failed: 0 });
  }, 90_000);

  it('turns the nose check off and on again from the settings, the strip saying which runs', async () => {
    const strip = page.locator('footer');
    const noseCheck = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'nose-check', 'config.json'), 'utf8')) as { model_version: string };
    const named = `nose check ${noseCheck.model_version}`;
    await expect.poll(() => strip.innerText(), { timeout: 10_000 }).toContain(named);
    const toggle = async (on: boolean) => {
      await openSettings();
      const box = page.getByLabel('Check that the mask covers the nose (a second look at every mask)');
      await expect.poll(() => box.isChecked()).toBe(!on);
      await box.setChecked(on);
      if (!on) await page.screenshot({ path: join(SHOTS, 'nose-check-setting.png') });
      await page.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => page.locator('.settings .message').innerText(), { timeout: 30_000 }).toBe('Saved.');
      await page.getByRole('button', { name: 'Lock' }).click();
      await expect.poll(() => page.locator('.settings').count()).toBe(0);
    };
    await toggle(false);
    await page.screenshot({ path: join(SHOTS, 'nose-check-off-kiosk.png') });
    await expect.poll(() => strip.innerText(), { timeout: 10_000 }).not.toContain('nose check');
    expect(JSON.parse(readFileSync(join(userData, 'settings.json'), 'utf8')).model.noseCheck).toBe(false);
    await toggle(true);
    await expect.poll(() => strip.innerText(), { timeout: 10_000 }).toContain(named);
    expect(server.stats).toEqual({ rejected: 0, failed: 0 });
  }, 90_000);

  it('offers every other language as the second one for visitors, and none again', async () => {
    await openSettings();
    const second = page.locator('select[name="secondLanguage"]');
    await expect
      .poll(() => second.locator('option').allInnerTexts())
      .toEqual(['None', 'Deutsch', 'Español', 'Français', 'Italiano', 'Nederlands']);
    await second.selectOption({ label: 'Français' });
    // With a second language chosen, the facility's line for refused visitors can be given in it too;
    // and how long the lobby must be empty before the screen rests.
    await page.locator('input[name="refusedNote"]').fill('Free masks at reception');
    await page.locator('input[name="refusedNoteSecond"]').fill('Masques gratuits à l’accueil');
    await page.locator('input[name="restAfterMinutes"]').fill('25');
    await page.screenshot({ path: join(SHOTS, 'second-language-setting.png') });
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.settings .message').innerText(), { timeout: 30_000 }).toMatch(/^Saved/);
    const saved = JSON.parse(readFileSync(join(userData, 'settings.json'), 'utf8'));
    expect(saved.secondLanguage).toBe('fr');
    expect(saved.display).toEqual({
      restAfterMinutes: 25,
      refusedNote: 'Free masks at reception',
      refusedNoteSecond: 'Masques gratuits à l’accueil',
    });
    await page.getByRole('button', { name: 'Lock' }).click();
    await expect.poll(() => page.locator('.settings').count()).toBe(0);
    // Whatever the screen says (this browser has no camera, so first "Welcome", then that the
    // camera is not available), it says it in French under the English.
    const titles = (): Promise<[string, string | null]> =>
      page.evaluate(() => [document.querySelector('h1')!.textContent!, document.querySelector('.status .second h2')?.textContent ?? null]);
    await expect.poll(async () => (await titles())[1] !== null, { timeout: 10_000 }).toBe(true);
    const [english, french] = await titles();
    const key = Object.keys(EN).find((k) => k.endsWith('.title') && EN[k] === english);
    expect(key).toBeDefined();
    expect(french).toBe(FR[key!]);

    await openSettings();
    await expect.poll(() => second.inputValue()).toBe('fr');
    await second.selectOption({ label: 'None' });
    // No second language, no field for a line in it.
    expect(await page.locator('input[name="refusedNoteSecond"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.settings .message').innerText(), { timeout: 30_000 }).toMatch(/^Saved/);
    expect(JSON.parse(readFileSync(join(userData, 'settings.json'), 'utf8')).secondLanguage).toBeNull();
    await page.getByRole('button', { name: 'Lock' }).click();
    await expect.poll(() => page.locator('.status .second').count(), { timeout: 10_000 }).toBe(0);
  }, 90_000);
});

// The facility's own line for visitors told to wear a mask (where masks are handed out), in both
// languages of the screen, under the kiosk's words on the refusal screen and nowhere else; shown as
// text, whatever it holds. Real Chromium, fake camera (an empty lobby, then a bare face), the
// shipped models. Screenshots: test/.cache/e2e/refused-note-*.png.
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
if (missing) console.warn(`refused-note.test.ts skipped: ${missing}`);

// As long as staff can make them (100 characters): the screen must hold the longest.
const NOTE = 'Free masks at the reception desk <b>to your left</b>, and hand gel by the lifts. Thanks for caring!';
const NOTE_FR = 'Masques gratuits à l’accueil sur votre gauche, gel hydroalcoolique près des ascenseurs. Merci à vous';

describe.skipIf(Boolean(missing))("kiosk: the facility's line for refused visitors", () => {
  let kiosk: OpenKiosk | undefined;

  beforeAll(async () => {
    // A bare portrait the shipped model is sure of: the test is about what follows the refusal.
    const bare = await pickPortrait('without_mask');
    const clip = await makeClip([
      { image: null, seconds: 3 },
      { image: bare, seconds: 6 },
    ]);
    kiosk = await openKiosk({
      fakeVideo: clip,
      settings: { language: 'en', secondLanguage: 'fr', display: { refusedNote: NOTE, refusedNoteSecond: NOTE_FR } },
    });
  }, 300_000);

  afterAll(() => kiosk?.close());

  it('shows it, in both languages and as plain text, only to the visitor refused', async () => {
    const { page, server } = kiosk!;
    await page.goto(server.url);
    const main = page.locator('main');
    await expect.poll(() => main.getAttribute('data-camera'), { timeout: 20_000 }).toBe('live');
    expect(await main.getAttribute('data-state')).toBe('idle');
    expect(await page.locator('.note').count()).toBe(0);

    await expect.poll(() => main.getAttribute('data-state'), { timeout: 20_000, interval: 20 }).toBe('violation');
    const notes = page.locator('.status .note p');
    expect(await notes.allInnerTexts()).toEqual([NOTE, NOTE_FR]);
    expect([await notes.nth(0).getAttribute('lang'), await notes.nth(1).getAttribute('lang')]).toEqual(['en', 'fr']);
    expect(await page.locator('.status b').count()).toBe(0);
    // Everything on the screen stays on it, the privacy line and the status strip under the notes
    // too, on a landscape screen and a portrait one.
    mkdirSync(SHOTS, { recursive: true });
    for (const [width, height] of [
      [1280, 720],
      [768, 1024],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const part of [notes.nth(0), notes.nth(1), page.locator('.privacy'), page.locator('footer')]) {
        const box = (await part.boundingBox())!;
        expect(box.y + box.height).toBeLessThanOrEqual(height);
        expect(box.x + box.width).toBeLessThanOrEqual(width);
      }
      await page.screenshot({ path: join(SHOTS, `refused-note-${width}x${height}.png`) });
    }
    expect(server.stats).toEqual({ rejected: 0, failed: 0 });
  }, 60_000);
});

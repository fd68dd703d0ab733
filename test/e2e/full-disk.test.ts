// The violation log's disk is full: a bare face in front of the camera is still judged and shown,
// its violation waits in memory, and the status strip tells staff, whole and readable, how many
// wait and what to do. Real Chromium, fake camera, the shipped models, a real SQLite file filled to
// its limit. Screenshot: test/.cache/e2e/full-disk.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing } from '../helpers/browser';
import { fillDatabase } from '../helpers/full-database';
import { type OpenKiosk, openKiosk } from '../helpers/kiosk';
import { SCRATCH_DIR } from '../helpers/paths';
import { makeClip } from '../helpers/video';
import { pickPortrait } from '../helpers/vision';

const SHOTS = join(SCRATCH_DIR, 'e2e');
const missing = chromiumMissing();
if (missing) console.warn(`full-disk.test.ts skipped: ${missing}`);

describe.skipIf(Boolean(missing))('kiosk: the violation log cannot be written', () => {
  let kiosk: OpenKiosk | undefined;

  beforeAll(async () => {
    // A bare portrait the shipped model is sure of: the test is about what follows the refusal.
    const bare = await pickPortrait('without_mask');
    const clip = await makeClip([{ image: bare, seconds: 6 }]);
    kiosk = await openKiosk({ fakeVideo: clip, settings: { language: 'fr' } });
  }, 300_000);

  afterAll(() => kiosk?.close());

  it('still refuses the bare face, keeps its violation waiting, and says so in full on a portrait screen', async () => {
    const { page, server } = kiosk!;
    const log = server.core.violationLog!;
    fillDatabase(log.store.db, Date.now() - 86_400_000);
    const rowsBefore = log.store.count();
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.goto(server.url);
    const main = page.locator('main');
    await expect.poll(() => main.getAttribute('data-state'), { timeout: 30_000, interval: 20 }).toBe('violation');
    const notice = page.locator('.strip .notice');
    await expect.poll(() => notice.count(), { timeout: 5_000 }).toBe(1);
    expect(await notice.innerText()).toMatch(
      /infractions en attente en mémoire\u00a0: 1\. Libérez de l’espace disque sur ce PC \(database or disk is full\)/,
    );
    // Nothing of it is cut: the words fit the lines they take, and the lines fit the screen.
    const fits = await notice.evaluate((el) => el.scrollHeight <= el.clientHeight + 1 && el.scrollWidth <= el.clientWidth + 1);
    expect(fits).toBe(true);
    const box = (await notice.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(768);
    expect(box.y + box.height).toBeLessThanOrEqual(1024);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'full-disk.png') });
    expect(log.store.count()).toBe(rowsBefore);
    expect(log.writeState).toMatchObject({ violationsWaiting: 1, problem: 'database or disk is full' });
    expect(server.stats).toEqual({ rejected: 0, failed: 0 });
  }, 60_000);
});

// Staff review in real Chromium over the browser preview: first-run PIN, filter, mark a false
// positive, export CSV; screenshots of the pad and the review screen go to test/.cache/e2e/.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../../src/cli/preview-server';
import { decodeImage } from '../../src/main/vision/image';
import { chromiumMissing, launchChromium } from '../helpers/browser';
import { type OpenPreview, openPreview } from '../helpers/kiosk';
import { SCRATCH_DIR, sample } from '../helpers/paths';

const missing = chromiumMissing();
const SHOTS = join(SCRATCH_DIR, 'e2e');

describe.skipIf(Boolean(missing))('review screen', () => {
  let server: PreviewServer;
  let browser: Browser;
  let page: Page;
  let preview: OpenPreview | undefined;

  beforeAll(async () => {
    preview = await openPreview();
    server = preview.server;
    // Three violations today, with blurred snapshots of real faces, and five compliant checks.
    const now = Date.now();
    for (const [i, row] of sample('test', 'without_mask', 3).entries()) {
      const frame = await decodeImage(row.path);
      const box = { x: 0, y: 0, width: frame.width, height: frame.height };
      await server.core.violationLog!.record(
        [
          {
            kind: 'violation',
            verdict: i === 0 ? 'incorrect' : 'no_mask',
            trackId: i + 1,
            at: now - (i + 1) * 600_000,
            confidence: 0.9 - i * 0.05,
            box,
          },
        ],
        frame,
      );
    }
    for (let i = 0; i < 5; i++)
      await server.core.violationLog!.record(
        [
          {
            kind: 'compliant',
            verdict: 'mask',
            trackId: 10 + i,
            at: now - i * 60_000,
            confidence: 0.97,
            box: { x: 0, y: 0, width: 10, height: 10 },
          },
        ],
        { data: new Uint8Array(4 * 16 * 16), width: 16, height: 16, channels: 4 },
      );
    // Twelve people asked to step closer and one into the light, as the tracker counts them.
    server.core.violationLog!.recordAsked([...Array<'step_closer'>(12).fill('step_closer'), 'too_dark'], now - 300_000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await preview?.close();
  });

  it('runs the first-run set-up, then filters, marks a false positive and exports the CSV', async () => {
    await page.goto(server.url);
    // First start: the set-up asks for the PIN before the kiosk checks anyone.
    await expect.poll(() => page.locator('[data-screen="setup"]').getAttribute('data-step')).toBe('pin');
    await expect.poll(() => page.locator('#pad-title').innerText()).toBe('Choose an admin PIN');
    await page.screenshot({ path: join(SHOTS, 'setup-pin.png') });
    await page.keyboard.type('5821');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#pad-title').innerText()).toBe('Enter the PIN again');
    await page.keyboard.type('5821');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-screen="setup"]').getAttribute('data-step')).toBe('camera');
    await page.screenshot({ path: join(SHOTS, 'setup-camera.png') });
    await page.getByRole('button', { name: 'Start the kiosk' }).click();
    await expect.poll(() => page.locator('main.kiosk').count()).toBe(1);
    expect(await page.locator('[data-screen="setup"]').count()).toBe(0);

    await page.keyboard.press('Control+Shift+A');
    await expect.poll(() => page.locator('#pad-title').innerText()).toBe('Admin PIN');
    await page.keyboard.type('5821');
    await page.keyboard.press('Enter');

    const review = page.locator('[data-screen="review"]');
    await expect.poll(() => review.isVisible()).toBe(true);
    await expect.poll(() => page.locator('[data-entry]').count()).toBe(3);
    await expect.poll(() => page.locator('[data-entry] img').count()).toBe(3);
    await expect.poll(() => page.locator('.chart h3').innerText()).toMatch(/Compliance rate: 62\.5%/);
    // What people were asked before they could be judged, and what that says about the camera.
    await expect
      .poll(() => page.locator('.chart .asked').innerText())
      .toBe('People asked before they could be judged: to step closer 12 · for more light 1');
    expect(await page.locator('.chart .advice').getAttribute('data-advice')).toBe('step_closer');
    await page.screenshot({ path: join(SHOTS, 'review.png') });

    // The newest violation was a mask below the nose: the kind filter finds it alone.
    await page.selectOption('select[name="verdict"]', 'incorrect');
    await expect.poll(() => page.locator('[data-entry]').count()).toBe(1);
    expect(await page.locator('[data-entry] .verdict').innerText()).toBe('Mask below nose');
    await page.selectOption('select[name="verdict"]', 'all');
    await expect.poll(() => page.locator('[data-entry]').count()).toBe(3);

    await page.selectOption('select[name="flag"]', 'unreviewed');
    const first = page.locator('[data-entry]').first();
    const id = await first.getAttribute('data-entry');
    await first.locator('input[name="note"]').fill('=HYPERLINK("x") scarf, not a mask');
    await first.locator('input[name="note"]').press('Enter');
    // click, not check(): the entry leaves this filtered list at once, and check() would re-resolve
    // `first` and tick the next entry too.
    await first.locator('input[name="falsePositive"]').click();
    await expect.poll(() => page.locator('[data-entry]').count()).toBe(2);

    await page.selectOption('select[name="flag"]', 'false_positive');
    await expect.poll(() => page.locator('[data-entry]').count()).toBe(1);
    expect(await page.locator('[data-entry]').first().getAttribute('data-entry')).toBe(id);
    await page.screenshot({ path: join(SHOTS, 'review-false-positive.png') });

    await page.getByRole('button', { name: 'Export CSV' }).click();
    await expect.poll(() => page.locator('.message').innerText()).toMatch(/Exported 1 entries to /);
    const path = (await page.locator('.message').innerText()).replace(/^Exported 1 entries to /, '');
    const csv = readFileSync(path, 'utf8').split('\r\n');
    expect(csv[0]).toBe('id,local_time,utc_time,verdict,confidence,model,camera,reviewed,false_positive,note,snapshot');
    expect(csv[1]).toMatch(new RegExp(`^${id},.*,incorrect,.*,true,true,"'=HYPERLINK\\(""x""\\) scarf, not a mask",.*\\.jpg$`));
    expect(csv[2]).toBe('');

    // The rest ticked off as reviewed at once: the "unreviewed" view empties.
    await page.selectOption('select[name="flag"]', 'unreviewed');
    await expect.poll(() => page.locator('[data-entry]').count()).toBe(2);
    await page.locator('button[name="markPageReviewed"]').click();
    await expect.poll(() => page.locator('[data-entry]').count()).toBe(0);
    expect(await page.locator('button[name="markPageReviewed"]').isDisabled()).toBe(true);
    await page.selectOption('select[name="flag"]', 'reviewed');
    await expect.poll(() => page.locator('[data-entry]').count()).toBe(3);
    await page.selectOption('select[name="flag"]', 'all');

    // The days of the range with their counts, for a manager's spreadsheet.
    await page.getByRole('button', { name: 'Export days' }).click();
    await expect.poll(() => page.locator('.message').innerText()).toMatch(/^Exported \d+ days of counts to /);
    const daysPath = (await page.locator('.message').innerText()).replace(/^Exported \d+ days of counts to /, '');
    const days = readFileSync(daysPath, 'utf8').split('\r\n');
    expect(days[0]).toBe(
      'day,checks,violations,compliance_rate,asked_step_back,asked_step_closer,asked_face_camera,asked_too_dark,asked_hold_still',
    );
    // Summed over the rows: the seeded events fall on one local day but for a run near midnight.
    const rows = days.slice(1, -1).map((l) => l.split(','));
    const sum = (column: number) => rows.reduce((a, r) => a + Number(r[column]), 0);
    expect([sum(1), sum(2), sum(5), sum(7)]).toEqual([8, 3, 12, 1]);
    if (rows.length === 1) expect(rows[0]![3]).toBe('0.6250');
    expect(days.at(-1)).toBe('');

    await page.getByRole('button', { name: 'Lock' }).click();
    await expect.poll(() => review.count()).toBe(0);
    await page.keyboard.press('Control+Shift+A');
    await expect.poll(() => page.locator('#pad-title').innerText()).toBe('Admin PIN');
    await page.keyboard.type('1111');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.pad .message').innerText()).toBe('Wrong PIN. Tries left: 4');
    expect(server.stats.failed).toBe(0);
  }, 90_000);

  it('tells staff, once they unlock, how many wrong PINs were tried since the last unlock', async () => {
    await page.keyboard.type('2222');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.pad .message').innerText()).toBe('Wrong PIN. Tries left: 3');
    await page.keyboard.type('5821');
    await page.keyboard.press('Enter');
    const warning = page.locator('.admin .warning');
    await expect.poll(() => warning.isVisible()).toBe(true);
    expect(await warning.innerText()).toMatch(
      /^Since the last unlock, 2 wrong PINs were tried \(the last at .+\)\. If that was not staff, choose a longer PIN\.$/,
    );
    await page.screenshot({ path: join(SHOTS, 'admin-wrong-pins.png') });
    // Told once: the next unlock, with no wrong PIN before it, shows nothing.
    await page.getByRole('button', { name: 'Lock' }).click();
    await expect.poll(() => page.locator('[data-screen="review"]').count()).toBe(0);
    await page.keyboard.press('Control+Shift+A');
    await expect.poll(() => page.locator('#pad-title').innerText()).toBe('Admin PIN');
    await page.keyboard.type('5821');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-screen="review"]').isVisible()).toBe(true);
    expect(await warning.count()).toBe(0);
  }, 60_000);
});

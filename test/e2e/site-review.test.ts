// The admin screen's "All entrances" in real Chromium against a real PostgreSQL: two entrances
// shipped the real way, read back with the reviewer login the settings name.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../../src/cli/preview-server';
import { createSiteDatabase } from '../../src/cli/site-admin';
import { KeyFileSecretBox } from '../../src/main/config/secret-box';
import { ViolationStore } from '../../src/main/log/store';
import { chromiumMissing, finishSetup, withPage } from '../helpers/browser';
import { type OpenPreview, openPreview } from '../helpers/kiosk';
import { SCRATCH_DIR } from '../helpers/paths';
import { postgresMissing, startCluster, type TestCluster } from '../helpers/postgres';
import { loopbackSite, testShipper } from '../helpers/site';
import { violationRow } from '../helpers/violations';

const missing = chromiumMissing() ?? postgresMissing();
const SHOTS = join(SCRATCH_DIR, 'e2e');
const HOUR = 3_600_000;

describe.skipIf(Boolean(missing))('all entrances on the admin screen', () => {
  let cluster: TestCluster;
  let preview: OpenPreview | undefined;
  let server: PreviewServer;

  beforeAll(async () => {
    cluster = await startCluster();
    await createSiteDatabase(cluster, 'maskkiosk', {
      kiosks: { kiosk_north: 'pw-north', kiosk_south: 'pw-south' },
      reviewers: { review_desk: 'pw-review' },
    });
    preview = await openPreview({
      prepare: async (userData) => {
        const start = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR;
        for (const [login, name, n] of [
          ['kiosk_north', 'North entrance', 30],
          ['kiosk_south', 'South entrance', 8],
        ] as const) {
          const { store } = ViolationStore.open(mkdtempSync(join(userData, 'k-')));
          for (let i = 0; i < n; i++) {
            for (let c = 0; c < 3; c++) store.recordCheck(start + i * 60_000, 60, null);
            store.recordCheck(start + i * 60_000 + 1, 60, violationRow(i, { verdict: i % 2 ? 'incorrect' : 'no_mask' }));
          }
          const s = testShipper(store, loopbackSite(cluster.port, 'maskkiosk', login, `pw-${login.slice(6)}`), name, {
            heartbeat: () => ({ state: 'running', fps: 14.9, model: 'facemask-default', provider: 'cpu', camera: 'cam', version: '0.1.0' }),
          });
          while (await s.runOnce());
          store.close();
        }
        // The settings staff saved: this kiosk reads the site with the reviewer login (sealed at rest).
        const sealed = new KeyFileSecretBox(userData).seal('pw-review');
        writeFileSync(
          join(userData, 'settings.json'),
          JSON.stringify({
            site: {
              host: '127.0.0.1',
              port: cluster.port,
              database: 'maskkiosk',
              tls: 'off',
              reviewUser: 'review_desk',
              reviewPasswordSealed: sealed,
            },
          }),
        );
      },
    });
    server = preview.server;
    await finishSetup(server);
  }, 120_000);

  afterAll(async () => {
    await preview?.close();
    cluster?.destroy();
  });

  it('shows every entrance: health, compliance per entrance and day, and the violations with a filter', async () => {
    await withPage({ viewport: { width: 1280, height: 1000 } }, async (page) => {
      await page.goto(server.url);
      await page.waitForSelector('main.kiosk');
      await page.keyboard.press('Control+Shift+A');
      await page.waitForSelector('#pad-title');
      await page.keyboard.type('2468');
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'All entrances' }).click();
      const health = page.locator('table.health tbody tr');
      await expect.poll(() => health.count(), { timeout: 10_000 }).toBe(2);
      expect(await health.first().innerText()).toMatch(/^North entrance\t.*\tcam\tfacemask-default\tcpu\t14\.9\t0$/);
      // 3 checks a minute, one of them a violation: 75 % compliant at both entrances.
      expect(await page.locator('td[data-rate="kiosk_north"]').innerText()).toBe('75.0%');
      expect(await page.locator('td[data-rate="kiosk_south"]').innerText()).toBe('75.0%');
      await expect.poll(() => page.locator('ul.events li').count()).toBe(25);
      // A per-day chart for each entrance, captioned with its compliance rate.
      expect(await page.locator('figure[data-chart] figcaption').allInnerTexts()).toEqual([
        'North entrance — 75.0%',
        'South entrance — 75.0%',
      ]);
      expect(await page.locator('figure[data-chart="kiosk_north"] rect.violations').count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Older' }).isEnabled()).toBe(true);
      await page.screenshot({ path: join(SHOTS, 'site-review.png'), fullPage: true });
      // Every entrance's days as CSV for a report across the site.
      await page.getByRole('button', { name: 'Export days' }).click();
      await expect.poll(() => page.locator('.done').innerText()).toMatch(/^Exported \d+ entrance-days of counts to /);
      const csvPath = (await page.locator('.done').innerText()).replace(/^Exported \d+ entrance-days of counts to /, '');
      const lines = readFileSync(csvPath, 'utf8').split('\r\n');
      expect(lines[0]).toBe('day,entrance,kiosk_login,checks,violations,compliance_rate');
      const rows = lines.slice(1, -1).map((l) => l.split(','));
      const perEntrance = (login: string) =>
        rows.filter((r) => r[2] === login).reduce((a, r) => [a[0]! + Number(r[3]), a[1]! + Number(r[4])], [0, 0]);
      // The same counts the per-day table shows: 75 % compliant at both entrances.
      for (const login of ['kiosk_north', 'kiosk_south']) {
        const [checks, violations] = perEntrance(login);
        expect(checks).toBeGreaterThan(0);
        expect(1 - violations! / checks!).toBeCloseTo(0.75, 5);
      }
      await page.locator('select[name="entrance"]').selectOption('kiosk_south');
      await expect.poll(() => page.locator('ul.events li').count()).toBe(8);
      expect((await page.locator('ul.events').innerText()).match(/North entrance/)).toBeNull();
      expect(await page.locator('.note').innerText()).toMatch(/Face pictures stay on each kiosk/);
    });
  }, 60_000);
});

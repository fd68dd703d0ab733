// Site reporting through the kiosk core: the admin saves the site settings with a password, the
// password is sealed at rest and never comes back, violations ship, and the status says how it goes.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSiteDatabase } from '../../../src/cli/site-admin';
import { KeyFileSecretBox } from '../../../src/main/config/secret-box';
import type { KioskCore } from '../../../src/main/core/core';
import type { AppStatus } from '../../../src/shared/contract';
import type { Settings } from '../../../src/shared/settings';
import { finishSetup } from '../../helpers/browser';
import { startCore } from '../../helpers/core';
import { postgresMissing, startCluster, type TestCluster } from '../../helpers/postgres';
import { violationRow } from '../../helpers/violations';
import { until } from '../../helpers/wait';

const missing = postgresMissing();
const PASSWORD = 'lobby-secret-7';

describe.skipIf(Boolean(missing))('site reporting in the kiosk core', () => {
  let cluster: TestCluster;
  let dir: string;
  let core: KioskCore;
  const pushed: AppStatus[] = [];

  const shippedCount = async (): Promise<number> => {
    const c = new pg.Client({ connectionString: cluster.url({ database: 'maskkiosk' }) });
    await c.connect();
    try {
      return Number((await c.query(`SELECT count(*) AS n FROM kiosk_events WHERE kiosk_name = 'East entrance'`)).rows[0].n);
    } finally {
      await c.end();
    }
  };
  const call = async <T>(channel: string, ...args: unknown[]): Promise<T> => {
    const r = await core.dispatch(channel, args);
    if (!r.ok) throw new Error(`${channel}: ${r.message}`);
    return r.value as T;
  };

  beforeAll(async () => {
    cluster = await startCluster();
    await createSiteDatabase(cluster, 'maskkiosk', { kiosks: { kiosk_east: PASSWORD, kiosk_west: 'west-secret' } });
    dir = mkdtempSync(join(tmpdir(), 'site-core-'));
    core = await startCore(dir, {
      emit: (event, payload) => {
        if (event === 'status') pushed.push(payload);
      },
    });
    await finishSetup({ core });
    await call('admin:unlock', { pin: '2468' });
  }, 90_000);

  afterAll(async () => {
    await core?.dispose();
    cluster?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is off by default', async () => {
    expect((await call<AppStatus>('app:status')).site).toEqual({ state: 'off', queued: 0, problem: null });
  });

  it('ships once staff save the site settings; the password is sealed at rest and never shown or logged', async () => {
    const current = await call<Settings>('settings:get');
    expect(current.site.passwordSealed).toBeNull();
    const site = {
      ...current.site,
      enabled: true,
      host: '127.0.0.1',
      port: cluster.port,
      user: 'kiosk_east',
      tls: 'off' as const,
      kioskName: 'East entrance',
    };
    const saved = await call<{ settings: Settings }>('settings:set', { ...current, site }, { sitePassword: PASSWORD });
    expect(saved.settings.site.passwordSealed).toBe('set');
    expect((await call<Settings>('settings:get')).site.passwordSealed).toBe('set');
    const onDisk = readFileSync(join(dir, 'settings.json'), 'utf8');
    expect(onDisk).not.toContain(PASSWORD);
    expect(JSON.parse(onDisk).site.passwordSealed).toMatch(/^kf1:/);

    core.violationLog!.store.recordCheck(Date.now(), 0, violationRow(1, { confidence: 0.93 }));
    await until(async () => (await shippedCount()) === 1);
    await until(() => pushed.at(-1)?.site.state === 'idle');
    expect((await call<AppStatus>('app:status')).site).toEqual({ state: 'idle', queued: 0, problem: null });

    // Saving again without typing the password keeps it.
    await call('settings:set', await call<Settings>('settings:get'));
    core.violationLog!.store.recordCheck(Date.now(), 0, violationRow(2, { verdict: 'incorrect', confidence: 0.8 }));
    await until(async () => (await shippedCount()) === 2);

    const logs = readdirSync(join(dir, 'logs'))
      .map((f) => readFileSync(join(dir, 'logs', f), 'utf8'))
      .join('\n');
    expect(logs).toContain('site: reporting on to 127.0.0.1');
    expect(logs).not.toContain(PASSWORD);
  });

  it('asks for the password again before a saved one could go to another server (host, port or TLS changed)', async () => {
    const current = await call<Settings>('settings:get');
    expect(current.site.passwordSealed).toBe('set');
    const onDisk = () => JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')).site;
    const before = onDisk();
    for (const change of [{ host: 'db.elsewhere.example' }, { port: current.site.port + 1 }, { tls: 'require' as const }]) {
      const r = await core.dispatch('settings:set', [{ ...current, site: { ...current.site, ...change } }]);
      expect(r).toMatchObject({ ok: false, code: 'invalid_input', notice: { code: 'site_password_again' } });
      expect((r as { message: string }).message).toMatch(/type the kiosk password again/);
    }
    expect(onDisk()).toEqual(before);
    // Other changes keep the saved password; a change of server with the password typed is taken.
    await call('settings:set', { ...current, site: { ...current.site, kioskName: 'East entrance, door 2' } });
    expect(onDisk().passwordSealed).toBe(before.passwordSealed);
    await call('settings:set', { ...current, site: { ...current.site, host: 'localhost' } }, { sitePassword: PASSWORD });
    expect(onDisk().host).toBe('localhost');
    await call('settings:set', { ...current, site: { ...current.site, host: '127.0.0.1' } }, { sitePassword: PASSWORD });
  });

  it('ships two kiosk cores into one database side by side, each under its own entrance', async () => {
    // A second kiosk, set up from a settings file as an installer would leave it.
    const westDir = mkdtempSync(join(tmpdir(), 'site-core-west-'));
    const sealed = new KeyFileSecretBox(westDir).seal('west-secret');
    writeFileSync(
      join(westDir, 'settings.json'),
      JSON.stringify({
        site: {
          enabled: true,
          host: '127.0.0.1',
          port: cluster.port,
          user: 'kiosk_west',
          passwordSealed: sealed,
          tls: 'off',
          kioskName: 'West entrance',
        },
      }),
    );
    const west = await startCore(westDir);
    try {
      const record = (c: KioskCore, trackId: number): void => {
        c.violationLog!.store.recordCheck(Date.now(), 0, violationRow(trackId));
      };
      const eastBefore = await shippedCount();
      for (let i = 0; i < 5; i++) {
        record(core, 100 + i);
        record(west, 200 + i);
      }
      await until(async () => (await shippedCount()) === eastBefore + 5);
      const c = new pg.Client({ connectionString: cluster.url({ database: 'maskkiosk' }) });
      await c.connect();
      try {
        await until(
          async () =>
            Number(
              (await c.query(`SELECT count(*) AS n FROM kiosk_events WHERE kiosk_id = 'kiosk_west' AND kiosk_name = 'West entrance'`))
                .rows[0].n,
            ) === 5,
        );
      } finally {
        await c.end();
      }
    } finally {
      await west.dispose();
      rmSync(westDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('says why when the password is wrong, and keeps the violations waiting', async () => {
    const current = await call<Settings>('settings:get');
    await call('settings:set', current, { sitePassword: 'not-the-password' });
    core.violationLog!.store.recordCheck(Date.now(), 0, violationRow(3));
    await until(async () => (await call<AppStatus>('app:status')).site.state === 'failing');
    const { site } = await call<AppStatus>('app:status');
    expect(site).toMatchObject({
      queued: 1,
      problem: { code: 'site_failing', params: { detail: expect.stringMatching(/wrong user or password/) } },
    });
    expect(pushed.some((s) => s.site.state === 'failing')).toBe(true);
    // The kiosk keeps checking meanwhile: frames are answered as ever.
    const frame = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 4).fill(120) };
    expect(await core.dispatch('frame:analyze', [frame])).toMatchObject({ ok: true, value: { state: 'idle', width: 64 } });
  });
});

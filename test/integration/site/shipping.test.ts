// Kiosks shipping to a real PostgreSQL (a throwaway cluster): several kiosks into one database,
// outages, a kiosk killed mid-batch, bad credentials, and what each role may and may not do.
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addLogin, createSiteDatabase, migrateSite, migrationFiles } from '../../../src/cli/site-admin';
import { ViolationStore } from '../../../src/main/log/store';
import type { SiteConnection } from '../../../src/main/site/connection';
import { SITE_SCHEMA_VERSION } from '../../../src/main/site/shipper';
import { siteHealth, sitePage, sitePerDay } from '../../../src/main/site/site-review';
import { REPO_ROOT } from '../../helpers/paths';
import { postgresMissing, startCluster, type TestCluster } from '../../helpers/postgres';
import { loopbackSite, testShipper } from '../../helpers/site';
import { violationRow } from '../../helpers/violations';
import { until } from '../../helpers/wait';

const missing = postgresMissing();
if (missing) console.warn(`site shipping tests skipped: ${missing}`);

const HOUR = 3_600_000;
const DB = 'maskkiosk';
const PASSWORDS = { kiosk_north: 'north-secret', kiosk_south: 'south-secret', kiosk_killed: 'killed-secret', review_desk: 'review-secret' };

let cluster: TestCluster;
let scratch: string;
const stores: ViolationStore[] = [];

async function asUser(user: keyof typeof PASSWORDS | 'owner', fn: (c: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({
    connectionString: user === 'owner' ? cluster.url({ database: DB }) : cluster.url({ user, password: PASSWORDS[user], database: DB }),
  });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  let n = 0;
  await asUser('owner', async (c) => {
    n = Number((await c.query(sql, params)).rows[0].n);
  });
  return n;
}

const connection = (user: keyof typeof PASSWORDS, over: Partial<SiteConnection> = {}): SiteConnection =>
  loopbackSite(cluster.port, DB, user, PASSWORDS[user], over);

function kioskStore(): ViolationStore {
  const { store } = ViolationStore.open(mkdtempSync(join(scratch, 'kiosk-')));
  stores.push(store);
  return store;
}

/** `n` violations (every third a mask below the nose) and as many compliant checks, from `start` on, one a minute. */
function record(store: ViolationStore, n: number, start: number): void {
  for (let i = 0; i < n; i++) {
    const at = start + i * 60_000;
    store.recordCheck(at, 60, null);
    store.recordCheck(
      at + 1000,
      60,
      violationRow(i, { verdict: i % 3 === 0 ? 'incorrect' : 'no_mask', modelId: 'model', cameraId: 'cam' }),
    );
  }
}

const shipper = (store: ViolationStore, user: keyof typeof PASSWORDS, name: string, over: Partial<SiteConnection> = {}, now = Date.now) =>
  testShipper(store, connection(user, over), name, {
    heartbeat: () => ({ state: 'idle', fps: 14.8, model: 'facemask-default', provider: 'cpu', camera: 'USB cam', version: 'test' }),
    now,
    idleMs: 50,
    backoff: { firstMs: 100, maxMs: 400 },
  });

describe.skipIf(Boolean(missing))('site reporting to PostgreSQL', () => {
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'site-'));
    cluster = await startCluster();
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.end();
    await asUser('owner', async (c) => {
      expect(await migrateSite(c)).toEqual([1, 2, 3]);
      expect(await migrateSite(c)).toEqual([]);
      for (const login of ['kiosk_north', 'kiosk_south', 'kiosk_killed'] as const) await addLogin(c, 'kiosk', login, PASSWORDS[login]);
      await addLogin(c, 'reviewer', 'review_desk', PASSWORDS.review_desk);
    });
  }, 60_000);

  afterAll(() => {
    for (const s of stores) s.close();
    cluster?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('knows the schema version its migrations make', () => {
    expect(migrationFiles().at(-1)?.version).toBe(SITE_SCHEMA_VERSION);
  });

  it('ships two kiosks into one database: every violation once, closed hours, heartbeats, each under its own name', async () => {
    const t0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
    const north = kioskStore();
    const south = kioskStore();
    record(north, 90, t0); // 1.5 hours of traffic
    record(south, 40, t0);
    const a = shipper(north, 'kiosk_north', 'North entrance');
    const b = shipper(south, 'kiosk_south', 'South entrance');
    while (await a.runOnce());
    while (await b.runOnce());
    expect([a.status().queued, b.status().queued]).toEqual([0, 0]);
    expect(await count(`SELECT count(*) AS n FROM kiosk_events WHERE kiosk_id = 'kiosk_north' AND kiosk_name = 'North entrance'`)).toBe(90);
    expect(await count(`SELECT count(*) AS n FROM kiosk_events WHERE kiosk_id = 'kiosk_south'`)).toBe(40);
    expect(await count(`SELECT count(*) AS n FROM kiosk_events WHERE verdict = 'incorrect'`)).toBe(30 + 14);
    // Hours: north spans two closed hours, south one; their counts match the local log.
    expect(await count(`SELECT count(*) AS n FROM kiosk_hours WHERE kiosk_id = 'kiosk_north'`)).toBe(2);
    expect(await count(`SELECT sum(checks) AS n FROM kiosk_hours WHERE kiosk_id = 'kiosk_north'`)).toBe(180);
    expect(await count(`SELECT sum(violations) AS n FROM kiosk_hours WHERE kiosk_id = 'kiosk_south'`)).toBe(40);
    expect(await count(`SELECT count(*) AS n FROM kiosk_heartbeats WHERE kiosk_id = 'kiosk_north' AND fps > 14 AND queued >= 0`)).toBe(1);
    // A second pass ships nothing new.
    expect(await a.runOnce()).toBe(false);
    // The reviewer reads all entrances; times survive the trip to the millisecond.
    await asUser('review_desk', async (c) => {
      const r = await c.query(
        `SELECT kiosk_name, count(*)::int AS n, min(at) AS first FROM kiosk_events GROUP BY kiosk_name ORDER BY kiosk_name`,
      );
      expect(r.rows.map((x) => [x.kiosk_name, x.n])).toEqual([
        ['North entrance', 90],
        ['South entrance', 40],
      ]);
      expect((r.rows[0].first as Date).getTime()).toBe(t0 + 1000);
    });
  });

  it('counts among the events waiting the violations a kiosk holds in memory while its own disk is full', async () => {
    const store = kioskStore();
    const before = await count(`SELECT count(*) AS n FROM kiosk_events WHERE kiosk_id = 'kiosk_north'`);
    record(store, 2, Date.now() - 20 * HOUR);
    const s = testShipper(store, connection('kiosk_north'), 'North entrance', {
      heartbeat: () => ({ state: 'running', fps: 15, model: 'm', provider: 'cpu', camera: 'cam', version: 'test', unlogged: 4 }),
      idleMs: 50,
    });
    while (await s.runOnce());
    // The two logged violations are shipped; the four in memory cannot be yet, and the site sees them waiting.
    expect(s.status().queued).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM kiosk_events WHERE kiosk_id = 'kiosk_north'`)).toBe(before + 2);
    expect(await count(`SELECT max(queued) AS n FROM kiosk_heartbeats WHERE kiosk_id = 'kiosk_north'`)).toBe(4);
  });

  it('rides out a database outage: the kiosk keeps recording, says why, and every event arrives exactly once', async () => {
    const store = kioskStore();
    const s = shipper(store, 'kiosk_south', 'South entrance');
    const before = await count(`SELECT count(*) AS n FROM kiosk_events WHERE kiosk_id = 'kiosk_south'`);
    const start = Date.now() - 10 * HOUR;
    record(store, 20, start);
    s.start();
    try {
      await until(() => s.status().queued === 0);
      cluster.stop();
      record(store, 25, start + HOUR);
      await until(() => s.status().state === 'failing' && s.status().failures >= 2);
      expect(s.status()).toMatchObject({ queued: 25, reason: expect.stringMatching(/^site database unreachable/) });
      cluster.start();
      await until(() => s.status().queued === 0 && s.status().state === 'idle');
    } finally {
      await s.stop();
    }
    expect(await count(`SELECT count(*) AS n FROM kiosk_events WHERE kiosk_id = 'kiosk_south'`)).toBe(before + 45);
    expect(await count(`SELECT count(DISTINCT id) AS n FROM kiosk_events WHERE kiosk_id = 'kiosk_south'`)).toBe(before + 45);
  }, 60_000);

  it('loses nothing and duplicates nothing when the kiosk is killed (SIGKILL) in the middle of shipping', async () => {
    const dir = mkdtempSync(join(scratch, 'killed-'));
    const { store } = ViolationStore.open(dir);
    record(store, 3000, Date.now() - 100 * HOUR);
    const ids = (store.db.prepare('SELECT id FROM outbox').all() as { id: string }[]).map((r) => r.id);
    store.close();
    const child = fork(join(REPO_ROOT, 'test', 'fixtures', 'site', 'ship.ts'), [dir, JSON.stringify(connection('kiosk_killed')), '25'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    // Killed once some batches are in: starting a TypeScript child takes a while on a busy machine.
    await until(async () => (await count(`SELECT count(*) AS n FROM kiosk_events WHERE kiosk_id = 'kiosk_killed'`)) >= 200, 50_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const shippedWhenKilled = await count(`SELECT count(*) AS n FROM kiosk_events WHERE kiosk_id = 'kiosk_killed'`);
    expect(shippedWhenKilled).toBeLessThan(3000);

    // The kiosk starts again and carries on from its mark.
    const again = ViolationStore.open(dir).store;
    stores.push(again);
    const s = shipper(again, 'kiosk_killed', 'Killed entrance');
    while (await s.runOnce());
    let shipped: string[] = [];
    await asUser('owner', async (c) => {
      shipped = (await c.query(`SELECT id FROM kiosk_events WHERE kiosk_id = 'kiosk_killed'`)).rows.map((r) => r.id as string);
    });
    expect(shipped.length).toBe(3000);
    expect(new Set(shipped)).toEqual(new Set(ids));
  }, 90_000);

  it('ships a blurred thumbnail only where staff allow it, and never a face crop', async () => {
    const dir = mkdtempSync(join(scratch, 'thumbs-'));
    const { store } = ViolationStore.open(dir);
    stores.push(store);
    const snapshots = join(dir, 'snapshots');
    mkdirSync(snapshots);
    const jpeg = await sharp({ create: { width: 48, height: 48, channels: 3, background: '#888' } })
      .jpeg()
      .toBuffer();
    writeFileSync(join(snapshots, 'blurred.jpg'), jpeg);
    writeFileSync(join(snapshots, 'face.jpg'), jpeg);
    const at = Date.now() - 2 * HOUR;
    const v = (trackId: number, snapshot: string) => ({
      trackId,
      verdict: 'no_mask' as const,
      confidence: 0.9,
      modelId: 'm',
      cameraId: 'thumbs',
      snapshot,
    });
    store.recordCheck(at, 0, v(1, 'blurred.jpg'), true);
    store.recordCheck(at + 1, 0, v(2, 'face.jpg'), false);
    const s = testShipper(store, connection('kiosk_north'), 'North entrance', {
      thumbnails: { dir: snapshots },
      heartbeat: () => ({ state: 'idle', fps: 0, model: null, provider: null, camera: 'c', version: 't' }),
    });
    while (await s.runOnce());
    let rows: { camera_id: string; thumbnail: Buffer | null }[] = [];
    await asUser('owner', async (c) => {
      rows = (await c.query(`SELECT camera_id, thumbnail FROM kiosk_events WHERE camera_id = 'thumbs' ORDER BY at`)).rows;
    });
    expect(rows.map((r) => r.thumbnail?.equals(jpeg) ?? null)).toEqual([true, null]);
    // With the setting off (the default), none leaves.
    store.recordCheck(at + 2, 0, v(3, 'blurred.jpg'), true);
    const off = shipper(store, 'kiosk_north', 'North entrance');
    while (await off.runOnce());
    expect(await count(`SELECT count(*) AS n FROM kiosk_events WHERE camera_id = 'thumbs' AND thumbnail IS NOT NULL`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM kiosk_events WHERE camera_id = 'thumbs'`)).toBe(3);
  });

  it('says clearly when the password is wrong or the host unreachable, and keeps recording', async () => {
    const store = kioskStore();
    const wrong = shipper(store, 'kiosk_north', 'North entrance', { password: 'not-it' });
    const away = shipper(store, 'kiosk_north', 'North entrance', { port: 1 });
    wrong.start();
    away.start();
    try {
      record(store, 3, Date.now() - HOUR);
      await until(() => wrong.status().failures >= 1 && away.status().failures >= 1);
      expect(wrong.status()).toMatchObject({
        state: 'failing',
        queued: 3,
        reason: expect.stringMatching(/refused the login: wrong user or password/),
      });
      expect(away.status()).toMatchObject({
        state: 'failing',
        reason: expect.stringMatching(/^site database unreachable \(ECONNREFUSED\)/),
      });
      record(store, 2, Date.now());
      expect(store.count()).toBe(5);
    } finally {
      await wrong.stop();
      await away.stop();
    }
  });

  it('stops shipping, and says so, when the database has a newer schema than the kiosk knows', async () => {
    const store = kioskStore();
    record(store, 2, Date.now() - HOUR);
    await asUser('owner', (c) => c.query('UPDATE site_schema SET version = 99').then(() => undefined));
    const s = shipper(store, 'kiosk_north', 'North entrance');
    s.start();
    try {
      await until(() => s.status().state === 'schema');
      expect(s.status()).toMatchObject({
        queued: 2,
        reason: expect.stringMatching(RegExp(`schema 99, newer than this kiosk knows \\(${SITE_SCHEMA_VERSION}\\): shipping stopped`)),
      });
    } finally {
      await s.stop();
      await asUser('owner', (c) => c.query('UPDATE site_schema SET version = $1', [SITE_SCHEMA_VERSION]).then(() => undefined));
    }
  });

  it('lets a kiosk insert only its own rows, never update, delete or read them back; and a reviewer only read', async () => {
    const denied = async (c: pg.Client, sql: string, params: unknown[] = []): Promise<string> => {
      try {
        await c.query(sql, params);
        return 'allowed';
      } catch (err) {
        return (err as { code: string }).code;
      }
    };
    await asUser('kiosk_north', async (c) => {
      const row = ['00000000-0000-4000-8000-000000000001', 'North entrance'];
      expect(await denied(c, `UPDATE kiosk_events SET verdict = 'no_mask'`)).toBe('42501');
      expect(await denied(c, `DELETE FROM kiosk_events`)).toBe('42501');
      // It sees only its own ids (what ON CONFLICT needs), no other column, no other kiosk.
      expect(await denied(c, `SELECT verdict FROM kiosk_events`)).toBe('42501');
      const own = await c.query(`SELECT count(*)::int AS n FROM kiosk_events`);
      expect(own.rows[0].n).toBe(await count(`SELECT count(*) AS n FROM kiosk_events WHERE kiosk_id = 'kiosk_north'`));
      expect(await denied(c, `TRUNCATE kiosk_events`)).toBe('42501');
      // Another kiosk's rows: row-level security refuses them.
      expect(
        await denied(
          c,
          `INSERT INTO kiosk_events (id, kiosk_id, kiosk_name, at, tz_offset_min, verdict, confidence, model_id, camera_id)
           VALUES ($1, 'kiosk_south', $2, now(), 0, 'no_mask', 0.9, 'm', 'c')`,
          row,
        ),
      ).toBe('42501');
      expect(
        await denied(
          c,
          `INSERT INTO kiosk_events (id, kiosk_name, at, tz_offset_min, verdict, confidence, model_id, camera_id)
           VALUES ($1, $2, now(), 0, 'no_mask', 0.9, 'm', 'c')`,
          row,
        ),
      ).toBe('allowed');
      expect(await denied(c, `CREATE TABLE sneaky (x int)`)).toBe('42501');
    });
    await asUser('review_desk', async (c) => {
      expect(await denied(c, `SELECT count(*) FROM kiosk_events`)).toBe('allowed');
      expect(await denied(c, `DELETE FROM kiosk_events`)).toBe('42501');
      expect(
        await denied(
          c,
          `INSERT INTO kiosk_heartbeats (kiosk_name, at, state, fps, camera, version, queued) VALUES ('x', now(), 'x', 0, 'c', 'v', 0)`,
        ),
      ).toBe('42501');
    });
  });
});

describe.skipIf(Boolean(missing))('site review across entrances (reviewer login)', () => {
  let cluster2: TestCluster;
  let reviewer: pg.Client;
  const t0 = Date.UTC(2026, 10, 20, 8); // 08:00 UTC

  beforeAll(async () => {
    cluster2 = await startCluster();
    const { kiosk_north, kiosk_south, review_desk } = PASSWORDS;
    await createSiteDatabase(cluster2, DB, { kiosks: { kiosk_north, kiosk_south }, reviewers: { review_desk } });
    // Two entrances, each with two days of traffic, shipped the real way.
    const dir = mkdtempSync(join(tmpdir(), 'site-review-'));
    for (const [login, name, n] of [
      ['kiosk_north', 'North entrance', 30],
      ['kiosk_south', 'South entrance', 10],
    ] as const) {
      const { store } = ViolationStore.open(mkdtempSync(join(dir, 'k-')));
      for (const day of [0, 1]) {
        for (let i = 0; i < n; i++) {
          const at = t0 + day * 86_400_000 + i * 60_000;
          store.recordCheck(at, 60, null);
          store.recordCheck(at, 60, null);
          store.recordCheck(at + 1, 60, violationRow(i));
        }
      }
      const s = testShipper(store, loopbackSite(cluster2.port, DB, login, PASSWORDS[login]), name, { now: () => t0 + 3 * 86_400_000 });
      while (await s.runOnce());
      store.close();
    }
    reviewer = new pg.Client({ connectionString: cluster2.url({ user: 'review_desk', password: PASSWORDS.review_desk, database: DB }) });
    await reviewer.connect();
  }, 60_000);

  afterAll(async () => {
    await reviewer?.end();
    cluster2?.destroy();
  });

  it('pages every entrance newest first, and filters by one', async () => {
    const range = { from: t0, to: t0 + 2 * 86_400_000 };
    const first = await sitePage(reviewer, { ...range, limit: 50 });
    expect(first.rows).toHaveLength(50);
    expect(first.rows[0]).toMatchObject({ kioskName: 'North entrance', at: t0 + 86_400_000 + 29 * 60_000 + 1, verdict: 'no_mask' });
    const second = await sitePage(reviewer, { ...range, limit: 50, before: first.next! });
    expect(second.rows).toHaveLength(30);
    expect(second.next).toBeNull();
    expect(new Set([...first.rows, ...second.rows].map((r) => r.id)).size).toBe(80);
    const south = await sitePage(reviewer, { ...range, kioskId: 'kiosk_south', limit: 100 });
    expect(south.rows.map((r) => r.kioskName)).toEqual(Array(20).fill('South entrance'));
  });

  it("counts checks and violations per entrance and local day, and lists the kiosks' health", async () => {
    const days = await sitePerDay(reviewer, t0 - 86_400_000, t0 + 3 * 86_400_000);
    expect(days).toEqual([
      { kioskId: 'kiosk_north', kioskName: 'North entrance', day: '2026-11-20', checks: 90, violations: 30 },
      { kioskId: 'kiosk_south', kioskName: 'South entrance', day: '2026-11-20', checks: 30, violations: 10 },
      { kioskId: 'kiosk_north', kioskName: 'North entrance', day: '2026-11-21', checks: 90, violations: 30 },
      { kioskId: 'kiosk_south', kioskName: 'South entrance', day: '2026-11-21', checks: 30, violations: 10 },
    ]);
    const health = await siteHealth(reviewer, t0 + 3 * 86_400_000 + 60_000);
    expect(health.map((h) => [h.kioskName, h.offline, h.fps, h.queued])).toEqual([
      ['North entrance', false, 15, 0],
      ['South entrance', false, 15, 0],
    ]);
    expect((await siteHealth(reviewer, t0 + 4 * 86_400_000)).every((h) => h.offline)).toBe(true);
  });
});

// What one login of the site database can do to others, and what a stranger's server can get
// from a kiosk: each attack an audit ran against the site database, run again against real
// PostgreSQL clusters (and a fake server), and shown to fail.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addLogin, migrateSite, scramVerifier } from '../../../src/cli/site-admin';
import { ViolationStore } from '../../../src/main/log/store';
import { SCRAM_REQUIRED, type SiteConnection, siteClient } from '../../../src/main/site/connection';
import { hourId, SiteOutbox } from '../../../src/main/site/outbox';
import { siteHealth, sitePage, sitePerDay } from '../../../src/main/site/site-review';
import { startFakePostgres } from '../../helpers/fake-postgres';
import { REPO_ROOT } from '../../helpers/paths';
import { postgresMissing, startCluster, type TestCluster } from '../../helpers/postgres';
import { loopbackSite, testShipper } from '../../helpers/site';
import { violationRow } from '../../helpers/violations';

const missing = postgresMissing();
const HOUR = 3_600_000;
const PASSWORDS: Record<string, string> = {
  kiosk_a: 'a-secret',
  kiosk_b: 'b-secret',
  kiosk_c: 'c-secret',
  review_a: 'ra-secret',
  kiosk_other: 'o-secret',
  review_other: 'ro-secret',
};

let cluster: TestCluster;
let scratch: string;
const stores: ViolationStore[] = [];

async function as<T>(user: string | 'owner', database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: user === 'owner' ? cluster.url({ database }) : cluster.url({ user, password: PASSWORDS[user], database }),
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The SQLSTATE a statement fails with, or 'allowed'. */
async function outcome(c: pg.Client, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await c.query(sql, params);
    return 'allowed';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

const connection = (user: string, database = 'site_one', over: Partial<SiteConnection> = {}): SiteConnection =>
  loopbackSite(cluster.port, database, user, PASSWORDS[user]!, over);

function kioskStore(): ViolationStore {
  const { store } = ViolationStore.open(mkdtempSync(join(scratch, 'kiosk-')));
  stores.push(store);
  return store;
}

const shipper = (store: ViolationStore, user: string, database = 'site_one') => testShipper(store, connection(user, database), user);

/** A full hour of checks, each closed hour with one violation, for the last `hours` hours. */
function recordHours(store: ViolationStore, hours: number, now = Date.now()): number[] {
  const first = Math.floor(now / HOUR) * HOUR - hours * HOUR;
  const starts: number[] = [];
  for (let h = 0; h < hours; h++) {
    const at = first + h * HOUR + 60_000;
    starts.push(first + h * HOUR);
    store.recordCheck(at, 0, null);
    store.recordCheck(at + 1000, 0, violationRow(h));
  }
  return starts;
}

async function createSite(database: string, logins: { kiosks: string[]; reviewers: string[] }): Promise<void> {
  await as('owner', 'postgres', (c) => c.query(`CREATE DATABASE ${database}`));
  await as('owner', database, async (c) => {
    await migrateSite(c);
    for (const k of logins.kiosks) await addLogin(c, 'kiosk', k, PASSWORDS[k]!);
    for (const r of logins.reviewers) await addLogin(c, 'reviewer', r, PASSWORDS[r]!);
  });
}

describe.skipIf(Boolean(missing))('one site database, several logins', () => {
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'site-isolation-'));
    cluster = await startCluster();
    await createSite('site_one', { kiosks: ['kiosk_a', 'kiosk_b', 'kiosk_c'], reviewers: ['review_a'] });
    await createSite('site_two', { kiosks: ['kiosk_other'], reviewers: ['review_other'] });
  }, 60_000);

  afterAll(() => {
    for (const s of stores) s.close();
    cluster?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("cannot occupy another kiosk's hour ids: B's hours all arrive after A inserted their ids first", async () => {
    const storeB = kioskStore();
    const hours = recordHours(storeB, 30);
    // Kiosk A knows how B's hour ids are made and inserts every one of them first.
    await as('kiosk_a', 'site_one', async (c) => {
      for (const hour of hours) {
        expect(
          await outcome(
            c,
            `INSERT INTO kiosk_hours (id, hour, tz_offset_min, checks, violations) VALUES ($1, to_timestamp($2 / 1000.0), 0, 1, 1)`,
            [hourId('kiosk_b', hour), hour],
          ),
        ).toBe('allowed');
      }
      // It cannot ask whether an id is taken by someone else: the only key is (kiosk, id).
      expect(
        await outcome(
          c,
          `INSERT INTO kiosk_hours (id, hour, tz_offset_min, checks, violations) VALUES ($1, now(), 0, 1, 1) ON CONFLICT (id) DO NOTHING`,
          [hourId('kiosk_b', 0)],
        ),
      ).toBe('42P10');
    });
    const s = shipper(storeB, 'kiosk_b');
    while (await s.runOnce());
    const inDatabase = await as('owner', 'site_one', async (c) =>
      Number((await c.query(`SELECT count(*) AS n FROM kiosk_hours WHERE kiosk_id = 'kiosk_b'`)).rows[0].n),
    );
    expect(inDatabase).toBe(hours.length);
    const perDay = await as('review_a', 'site_one', (c) => sitePerDay(c, hours[0]! - 86_400_000, Date.now()));
    expect(perDay.filter((d) => d.kioskId === 'kiosk_b').reduce((n, d) => n + d.violations, 0)).toBe(hours.length);
  });

  it('marks nothing shipped that the database did not keep, and says why', async () => {
    // The owner's trigger drops kiosk C's rows silently: INSERT reports success, nothing is stored.
    await as('owner', 'site_one', async (c) => {
      await c.query(`CREATE FUNCTION drop_c() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                       IF NEW.kiosk_id = 'kiosk_c' THEN RETURN NULL; END IF; RETURN NEW; END $$`);
      await c.query(`CREATE TRIGGER drop_c BEFORE INSERT ON kiosk_events FOR EACH ROW EXECUTE FUNCTION drop_c()`);
      await c.query(`CREATE TRIGGER drop_c BEFORE INSERT ON kiosk_hours FOR EACH ROW EXECUTE FUNCTION drop_c()`);
    });
    try {
      const store = kioskStore();
      recordHours(store, 3);
      const outbox = new SiteOutbox(store.db);
      const before = outbox.queued();
      expect(before).toBe(3);
      await expect(shipper(store, 'kiosk_c').runOnce()).rejects.toThrow(/the site database kept 0 of this kiosk's 3 violations/);
      expect(outbox.queued()).toBe(before);
      expect(outbox.hours('kiosk_c', Date.now(), 10)).toHaveLength(3);
    } finally {
      await as('owner', 'site_one', async (c) => {
        await c.query('DROP TRIGGER drop_c ON kiosk_events; DROP TRIGGER drop_c ON kiosk_hours; DROP FUNCTION drop_c()');
      });
    }
  });

  it("reaches only its own site's database, even on a cluster shared with another site", async () => {
    // CONNECT is not PUBLIC's any more: a kiosk of site one cannot even connect to site two.
    const client = new pg.Client({ connectionString: cluster.url({ user: 'kiosk_a', password: PASSWORDS.kiosk_a, database: 'site_two' }) });
    await expect(client.connect()).rejects.toMatchObject({ code: '42501' });
    await client.end().catch(() => undefined);
    // Given CONNECT there by mistake, it still may not write, and site one's reviewer may not read.
    await as('owner', 'site_two', (c) => c.query('GRANT CONNECT ON DATABASE site_two TO kiosk_a, review_a'));
    await as('kiosk_other', 'site_two', (c) =>
      c.query(`INSERT INTO kiosk_events (id, kiosk_name, at, tz_offset_min, verdict, confidence, model_id, camera_id)
               VALUES (gen_random_uuid(), 'Other site', now(), 0, 'no_mask', 0.9, 'm', 'c')`),
    );
    await as('kiosk_a', 'site_two', async (c) => {
      expect(
        await outcome(
          c,
          `INSERT INTO kiosk_events (id, kiosk_name, at, tz_offset_min, verdict, confidence, model_id, camera_id)
           VALUES (gen_random_uuid(), 'Intruder', now(), 0, 'no_mask', 0.9, 'm', 'c')`,
        ),
      ).toBe('42501');
      expect(await outcome(c, 'CREATE TEMP TABLE t (x int)')).toBe('42501');
    });
    await as('review_a', 'site_two', async (c) => {
      expect((await c.query('SELECT count(*)::int AS n FROM kiosk_events')).rows[0].n).toBe(0);
    });
    await as('review_other', 'site_two', async (c) => {
      expect((await c.query('SELECT count(*)::int AS n FROM kiosk_events')).rows[0].n).toBe(1);
    });
  });

  it('takes only bounded rows: lengths, finite numbers, no dates from the future', async () => {
    await as('kiosk_a', 'site_one', async (c) => {
      const beat = (over: Record<string, unknown>) => {
        const row = { kiosk_name: 'North', at: new Date(), state: 'running', fps: 15, camera: 'cam', version: 'v', queued: 0, ...over };
        return outcome(
          c,
          'INSERT INTO kiosk_heartbeats (kiosk_name, at, state, fps, camera, version, queued) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [row.kiosk_name, row.at, row.state, row.fps, row.camera, row.version, row.queued],
        );
      };
      expect(await beat({})).toBe('allowed');
      expect(await beat({ fps: 'Infinity' })).toBe('23514');
      expect(await beat({ fps: 'NaN' })).toBe('23514');
      expect(await beat({ camera: 'x'.repeat(201) })).toBe('23514');
      expect(await beat({ kiosk_name: 'x'.repeat(101) })).toBe('23514');
      expect(await beat({ at: new Date('2076-01-01') })).toBe('42501');
      expect(await beat({ at: new Date('1999-01-01') })).toBe('23514');
      expect(
        await outcome(
          c,
          `INSERT INTO kiosk_events (id, kiosk_name, at, tz_offset_min, verdict, confidence, model_id, camera_id)
           VALUES (gen_random_uuid(), 'North', now(), 0, 'no_mask', 'NaN', 'm', 'c')`,
        ),
      ).toBe('23514');
    });
  });

  it('makes kiosk logins without ever sending their password, and uses TLS unless told otherwise', async () => {
    await as('owner', 'postgres', async (c) => {
      await c.query(`ALTER SYSTEM SET log_statement = 'all'`);
      await c.query('SELECT pg_reload_conf()');
    });
    try {
      const url = cluster.url({ database: 'site_one' });
      const cli = (...args: string[]) =>
        spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'site.ts'), ...args], {
          cwd: REPO_ROOT,
          encoding: 'utf8',
        });
      const plain = cli('add-kiosk', '--url', url, '--login', 'kiosk_cli');
      expect(plain.status).toBe(1);
      expect(plain.stderr).toMatch(/TLS to the site database failed/);
      const made = cli('add-kiosk', '--url', url, '--login', 'kiosk_cli', '--tls', 'off');
      expect(made.status, made.stderr).toBe(0);
      const password = /with password (\S+)/.exec(made.stdout)![1]!;
      PASSWORDS.kiosk_cli = password;
      const client = siteClient({ ...connection('kiosk_cli'), password, ssl: false });
      await client.connect();
      await client.end();
      const log = readFileSync(cluster.logFile, 'utf8');
      expect(log).toContain('CREATE ROLE "kiosk_cli" LOGIN PASSWORD \'SCRAM-SHA-256$4096:');
      expect(log).not.toContain(password);
    } finally {
      await as('owner', 'postgres', async (c) => {
        await c.query('ALTER SYSTEM RESET log_statement');
        await c.query('SELECT pg_reload_conf()');
      });
    }
  });

  it('computes the same SCRAM verifier PostgreSQL does', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const stored = await as('owner', 'postgres', async (c) => {
      await c.query(`SET password_encryption = 'scram-sha-256'`);
      await c.query(`CREATE ROLE verifier_check LOGIN PASSWORD 'a-secret'`);
      return (await c.query(`SELECT rolpassword FROM pg_authid WHERE rolname = 'verifier_check'`)).rows[0].rolpassword as string;
    });
    const [, iterations, saltB64] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;
    expect(scramVerifier('a-secret', Buffer.from(saltB64!, 'base64'), Number(iterations))).toBe(stored);
    expect(scramVerifier('a-secret', salt)).not.toBe(scramVerifier('b-secret', salt));
  });
});

describe.skipIf(Boolean(missing))('a site database on PostgreSQL 13 and 14 defaults (CREATE on public for everyone)', () => {
  let old: TestCluster;
  beforeAll(async () => {
    old = await startCluster();
    const owner = (db: string) => new pg.Client({ connectionString: old.url({ database: db }) });
    const admin = owner('postgres');
    await admin.connect();
    await admin.query('CREATE DATABASE site_old');
    await admin.end();
    const c = owner('site_old');
    await c.connect();
    try {
      await c.query('GRANT CREATE ON SCHEMA public TO PUBLIC');
      // Schema 2 and its logins, as a site made before this version has them.
      await migrateSite(c, 2);
      for (const [login, role] of [
        ['kiosk_a', 'mask_kiosk'],
        ['review_a', 'mask_reviewer'],
      ] as const) {
        await c.query(`CREATE ROLE ${login} LOGIN PASSWORD '${scramVerifier(PASSWORDS[login]!)}' IN ROLE ${role}`);
      }
    } finally {
      await c.end();
    }
  }, 60_000);
  afterAll(() => old?.destroy());

  const client = (user: string) => new pg.Client({ connectionString: old.url({ user, password: PASSWORDS[user], database: 'site_old' }) });
  /** The reviewer as the product connects (SCRAM only, search_path pinned), connected. */
  const productReviewer = async () => {
    const reviewer = siteClient({
      host: '127.0.0.1',
      port: old.port,
      database: 'site_old',
      user: 'review_a',
      password: PASSWORDS.review_a!,
      ssl: false,
    });
    await reviewer.connect();
    return reviewer;
  };

  it("a function a kiosk planted in public is never called by the reviewer's queries", async () => {
    const kiosk = client('kiosk_a');
    await kiosk.connect();
    // A site in use: this kiosk has shipped before the upgrade.
    await kiosk.query(
      `INSERT INTO kiosk_heartbeats (kiosk_name, at, state, fps, camera, version, queued) VALUES ('North', now(), 'running', 15, 'cam', 'v', 0)`,
    );
    // The attack: a better match than pg_catalog's to_timestamp(double precision) for a numeric argument.
    await kiosk.query(`CREATE FUNCTION public.to_timestamp(numeric) RETURNS timestamptz LANGUAGE plpgsql AS $$
                         BEGIN RAISE EXCEPTION 'planted function called by %', current_user; END $$`);
    await kiosk.end();
    const owner = new pg.Client({ connectionString: old.url({ database: 'site_old' }) });
    await owner.connect();
    expect(await migrateSite(owner)).toEqual([3]);
    await owner.end();
    // Control: with the default search path, the planted function is what a query calls.
    const plain = client('review_a');
    await plain.connect();
    await expect(plain.query('SELECT to_timestamp($1 / 1000.0)', [Date.now()])).rejects.toThrow(/planted function called by review_a/);
    await plain.end();
    // The kiosk ships and the reviewer reads through the product's clients: nothing planted runs.
    const { store } = ViolationStore.open(mkdtempSync(join(tmpdir(), 'site-old-')));
    try {
      recordHours(store, 2);
      const s = testShipper(store, loopbackSite(old.port, 'site_old', 'kiosk_a', PASSWORDS.kiosk_a!), 'North');
      while (await s.runOnce());
    } finally {
      store.close();
    }
    const reviewer = await productReviewer();
    try {
      const page = await sitePage(reviewer, { from: Date.now() - 86_400_000, to: Date.now() + HOUR, limit: 25 });
      expect(page.rows).toHaveLength(2);
      expect((await siteHealth(reviewer, Date.now())).map((k) => k.kioskId)).toEqual(['kiosk_a']);
    } finally {
      await reviewer.end();
    }
  });

  it('no login may create anything in public once migrated', async () => {
    const kiosk = client('kiosk_a');
    await kiosk.connect();
    expect(await outcome(kiosk, 'CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT NULL::timestamptz $$')).toBe(
      '42501',
    );
    expect(await outcome(kiosk, 'CREATE TABLE public.sneaky (x int)')).toBe('42501');
    await kiosk.end();
  });

  it("rows from before the bounds do not swell the reviewer's answers", async () => {
    // Written before schema 3 would have refused them (its checks are NOT VALID for old rows).
    const owner = new pg.Client({ connectionString: old.url({ database: 'site_old' }) });
    await owner.connect();
    await owner.query(`ALTER TABLE kiosk_heartbeats DROP CONSTRAINT kiosk_heartbeats_bounds`);
    await owner.query(
      `INSERT INTO kiosk_heartbeats (kiosk_id, kiosk_name, at, state, fps, camera, version, queued)
       VALUES ('kiosk_a', 'North', '2076-01-01', 'running', 'Infinity', repeat('x', 1000000), 'v', 0)`,
    );
    const reviewer = await productReviewer();
    try {
      const [north] = await siteHealth(reviewer, Date.now());
      expect(north!.lastHeartbeat).toBeLessThan(Date.now() + 60_000);
      expect(north!.camera).toBe('cam');
      await owner.query(`DELETE FROM kiosk_heartbeats WHERE at < '2076-01-01'`);
      await owner.query(`UPDATE kiosk_heartbeats SET at = now()`);
      const [swollen] = await siteHealth(reviewer, Date.now());
      expect(swollen!.camera).toHaveLength(200);
      expect(swollen!.fps).toBe(0);
    } finally {
      await reviewer.end();
      await owner.end();
    }
  });
});

describe('a server that asks for the password in clear text or as MD5', () => {
  for (const [ask, tls] of [
    ['cleartext', false],
    ['md5', false],
    ['cleartext', true],
  ] as const) {
    it(`gets nothing from the kiosk: ${ask}${tls ? ' over TLS with a self-signed certificate (require)' : ' without TLS'}`, async () => {
      const fake = await startFakePostgres(ask, { tls });
      try {
        const store = ViolationStore.open(mkdtempSync(join(tmpdir(), 'fake-pg-kiosk-'))).store;
        const connection = loopbackSite(fake.port, 'maskkiosk', 'kiosk_a', 'the-kiosk-password', { tls: tls ? 'require' : 'off' });
        const s = testShipper(store, connection, 'North');
        const failure = await s.runOnce().then(
          () => null,
          (err: unknown) => err as { code?: string; message: string },
        );
        store.close();
        expect(failure?.code).toBe(SCRAM_REQUIRED);
        expect(failure?.message).toMatch(/asked for the password (in clear text|as an MD5 hash); only SCRAM-SHA-256 is allowed/);
        await new Promise((r) => setTimeout(r, 100));
        // No password message ('p') and no trace of the password reached the server.
        expect(fake.received().includes('the-kiosk-password')).toBe(false);
        expect(fake.received().includes(0x70)).toBe(false);
      } finally {
        await fake.close();
      }
    });
  }
});

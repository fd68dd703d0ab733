import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, ViolationStore } from '../../../src/main/log/store';
import { SiteOutbox } from '../../../src/main/site/outbox';
import { REPO_ROOT } from '../../helpers/paths';
import { violationRow } from '../../helpers/violations';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 20, 9, 30);
const violation = (trackId: number, snapshot: string | null = null) =>
  violationRow(trackId, { confidence: 0.93, modelId: 'facemask-default', cameraId: 'cam-1', snapshot });

describe('violation store', () => {
  it('creates its schema with a version, WAL, and indices on time', () => {
    const { store, warning } = ViolationStore.open(dir);
    expect(warning).toBeNull();
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect((store.db.prepare('SELECT version FROM schema_version').get() as { version: number }).version).toBe(SCHEMA_VERSION);
    const indices = (
      store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'violations'").all() as { name: string }[]
    ).map((r) => r.name);
    expect(indices).toContain('violations_at');
    store.close();
    // Reopening migrates nothing and keeps the data.
    const again = ViolationStore.open(dir);
    expect(again.warning).toBeNull();
    again.store.close();
  });

  it('keeps the site outbox to what the log keeps: a deleted or expired violation is never shipped', () => {
    const { store } = ViolationStore.open(dir);
    const outbox = new SiteOutbox(store.db);
    const old = store.recordCheck(T0 - 40 * 24 * HOUR, 60, violation(1))!;
    const deleted = store.recordCheck(T0, 60, violation(2))!;
    store.recordCheck(T0 + 1000, 60, violation(3));
    expect(outbox.queued()).toBe(3);
    expect(store.delete([deleted])).toMatchObject({ deleted: 1 });
    expect(outbox.events(10).map((e) => e.trackId)).toEqual([1, 3]);
    store.deleteOlderThan(T0 - 30 * 24 * HOUR);
    expect(store.get(old)).toBeNull();
    expect(outbox.events(10).map((e) => e.trackId)).toEqual([3]);
    store.close();
  });

  it('records events with their fields, and counts checks and violations per hour', () => {
    const { store } = ViolationStore.open(dir);
    const id = store.recordCheck(T0, 60, violation(7, 'a.jpg'))!;
    store.recordCheck(T0 + 60_000, 60, null);
    store.recordCheck(T0 + 2 * HOUR, 60, null);
    expect(store.get(id)).toEqual({
      id,
      at: T0,
      tzOffsetMinutes: 60,
      trackId: 7,
      verdict: 'no_mask',
      confidence: 0.93,
      modelId: 'facemask-default',
      cameraId: 'cam-1',
      snapshot: 'a.jpg',
      reviewed: false,
      falsePositive: false,
      note: null,
    });
    expect(store.perDay(T0 - 24 * HOUR, T0 + 24 * HOUR)).toEqual([{ day: '2026-11-20', checks: 3, violations: 1 }]);
    store.close();
  });

  it('filters by kind (no mask, mask below the nose) through its own index', () => {
    const { store } = ViolationStore.open(dir);
    const ids = Array.from(
      { length: 12 },
      (_, i) => store.recordCheck(T0 + i * 60_000, 0, { ...violation(i), verdict: i % 4 === 0 ? 'incorrect' : 'no_mask' })!,
    );
    expect(store.page({ limit: 100, verdict: 'incorrect' }).rows.map((r) => r.id)).toEqual([ids[8], ids[4], ids[0]]);
    expect(store.page({ limit: 100, verdict: 'no_mask' }).total).toBe(9);
    expect(store.page({ limit: 100, verdict: 'all' }).total).toBe(12);
    expect([...store.iterate({ verdict: 'incorrect' })].map((r) => r.verdict)).toEqual(['incorrect', 'incorrect', 'incorrect']);
    const plan = store.db
      .prepare(`EXPLAIN QUERY PLAN SELECT * FROM violations WHERE verdict = 'incorrect' ORDER BY at_utc DESC, id DESC LIMIT 10`)
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('violations_incorrect');
    store.close();
  });

  it('counts a day by the kiosk’s local calendar', () => {
    const { store } = ViolationStore.open(dir);
    const lateEvening = Date.UTC(2026, 10, 20, 23, 30); // 00:30 next day at UTC+1
    store.recordCheck(lateEvening, 60, violation(1));
    expect(store.perDay(lateEvening - 24 * HOUR, lateEvening + 24 * HOUR)).toEqual([{ day: '2026-11-21', checks: 1, violations: 1 }]);
    store.close();
  });

  it('counts the people asked each thing per hour, and sums them over a range', () => {
    const { store } = ViolationStore.open(dir);
    store.recordAsked(T0, 60, 'step_closer');
    store.recordAsked(T0 + 1000, 60, 'step_closer');
    store.recordAsked(T0 + HOUR, 60, 'too_dark');
    store.recordAsked(T0 + 30 * HOUR, 60, 'face_camera');
    expect(store.asked(T0, T0 + 2 * HOUR)).toEqual({ step_closer: 2, too_dark: 1 });
    expect(store.asked(T0 - 24 * HOUR, T0 + 48 * HOUR)).toEqual({ step_closer: 2, too_dark: 1, face_camera: 1 });
    expect(store.asked(T0 + 48 * HOUR, T0 + 72 * HOUR)).toEqual({});
    store.close();
  });

  it('upgrades a log written before guidance was counted, keeping what it held', () => {
    const { store } = ViolationStore.open(dir);
    store.recordCheck(T0, 60, violation(1));
    store.db.exec('DROP TABLE asked_hourly; UPDATE schema_version SET version = version - 1;');
    store.close();
    const { store: upgraded } = ViolationStore.open(dir);
    expect(upgraded.count()).toBe(1);
    upgraded.recordAsked(T0, 60, 'hold_still');
    expect(upgraded.asked(T0 - HOUR, T0 + HOUR)).toEqual({ hold_still: 1 });
    expect((upgraded.db.prepare('SELECT version FROM schema_version').get() as { version: number }).version).toBe(SCHEMA_VERSION);
    upgraded.close();
  });

  it('pages newest first with keyset paging and filters by range and flag', () => {
    const { store } = ViolationStore.open(dir);
    const ids = Array.from({ length: 25 }, (_, i) => store.recordCheck(T0 + i * 60_000, 0, violation(i))!);
    store.update(ids[3]!, { reviewed: true, falsePositive: true, note: 'a shadow' });
    store.update(ids[4]!, { reviewed: true });
    const first = store.page({ limit: 10 });
    expect(first.total).toBe(25);
    expect(first.rows.map((r) => r.id)).toEqual(ids.slice(15).reverse());
    const second = store.page({ limit: 10, before: first.next! });
    expect(second.rows.map((r) => r.id)).toEqual(ids.slice(5, 15).reverse());
    const third = store.page({ limit: 10, before: second.next! });
    expect(third.rows).toHaveLength(5);
    expect(third.next).toBeNull();
    expect(store.page({ limit: 10, flag: 'false_positive' }).rows.map((r) => [r.id, r.note])).toEqual([[ids[3], 'a shadow']]);
    expect(store.page({ limit: 10, flag: 'confirmed' }).rows.map((r) => r.id)).toEqual([ids[4]]);
    expect(store.page({ limit: 100, flag: 'unreviewed' }).total).toBe(23);
    expect(store.page({ limit: 100, from: T0 + 10 * 60_000, to: T0 + 12 * 60_000 }).rows.map((r) => r.id)).toEqual([ids[11], ids[10]]);
    expect(store.delete([ids[0]!, ids[1]!])).toEqual({ deleted: 2, snapshots: [] });
    expect(store.delete([ids[0]!, 999_999]).deleted).toBe(0);
    expect(store.count()).toBe(23);
    expect(store.update(999_999, { reviewed: true })).toBe(false);
    store.close();
  });

  it('loses at most the event in flight when its writer is killed mid-burst, and stays intact', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/helpers/log-writer.ts'), dir], { cwd: REPO_ROOT });
    let committed = 0;
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const last = chunk.toString().trim().split('\n').at(-1)!;
        committed = Number(last.split(' ')[1]);
        if (committed >= 300) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited ${code}`))));
    });
    await new Promise((r) => child.once('exit', r));
    const db = new Database(join(dir, 'violations.db'));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = (db.prepare('SELECT count(*) AS n FROM violations').get() as { n: number }).n;
    db.close();
    expect(rows).toBeGreaterThanOrEqual(committed);
    // The writer may have committed more after its last line reached us, never fewer.
    const { store } = ViolationStore.open(dir);
    expect(store.count()).toBe(rows);
    store.close();
  }, 60_000);

  it('moves a corrupt database aside with a clear message and starts a fresh one', () => {
    writeFileSync(join(dir, 'violations.db'), Buffer.alloc(8192, 0x5a));
    const { store, warning } = ViolationStore.open(dir, new Date('2026-11-27T12:00:00Z'));
    expect(warning).toMatch(
      /violation log was damaged .* moved to .*violations\.db\.corrupt-2026-11-27T12-00-00-000Z and a new, empty log started/,
    );
    expect(store.count()).toBe(0);
    store.recordCheck(T0, 0, violation(1));
    expect(store.count()).toBe(1);
    store.close();
    expect(readdirSync(dir).filter((f) => f.startsWith('violations.db.corrupt-'))).toHaveLength(1);
    expect(existsSync(join(dir, 'violations.db.corrupt-2026-11-27T12-00-00-000Z'))).toBe(true);
  });
});

describe('counting a large log', () => {
  it('counts exactly up to the cap and says when there are more', async () => {
    const { COUNT_LIMIT } = await import('../../../src/main/log/store');
    const d = mkdtempSync(join(tmpdir(), 'store-count-'));
    const { store } = ViolationStore.open(d);
    const insert = store.db.transaction((n: number) => {
      for (let i = 0; i < n; i++) store.recordCheck(T0 + i, 0, violation(i));
    });
    insert(COUNT_LIMIT + 5);
    expect(store.page({ limit: 5 })).toMatchObject({ total: COUNT_LIMIT, totalCapped: true });
    expect(store.page({ limit: 5, from: T0, to: T0 + 100 })).toMatchObject({ total: 100, totalCapped: false });
    store.close();
    rmSync(d, { recursive: true, force: true });
  });
});

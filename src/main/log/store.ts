// The violation log: SQLite (WAL) with a schema version and migrations, one row per violation,
// and hourly counts of checks and violations so the compliance rate is real. Snapshots are
// files beside the database, referenced by name.
// One file past 300 lines on purpose: every statement on the log's tables sits beside the schema
// and migrations it relies on, so a change to a table is made and reviewed in one place.

import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Guidance } from '../../shared/screen-states';
import type { AskedCounts, DayCount, FlagFilter, LogEntry, VerdictFilter } from '../../shared/violation-log';

type SqliteDatabase = Database.Database;

/** A logged violation: the review screen's log entry. */
export type Violation = LogEntry;
/** What the kiosk records; review flags start unset. */
export type NewViolation = Omit<Violation, 'id' | 'reviewed' | 'falsePositive' | 'note'>;
/** One person judged, as `recordChecks` takes it: a compliant check, or a violation with its row. */
export interface CheckRow {
  at: number;
  tzOffsetMinutes: number;
  violation: Omit<NewViolation, 'at' | 'tzOffsetMinutes'> | null;
  /** The snapshot is a blurred one (the only kind that may ever be shipped). */
  snapshotBlurred: boolean;
}

/** People asked something on one local day, by what was asked. */
export type AskedDay = { day: string } & Partial<Record<Guidance, number>>;

/**
 * What a violation ships to the site database: no review flags, and of its picture only the name
 * of a blurred one (`thumbnail`), which is shipped only where staff allow it. A face crop never is.
 */
export type OutboxEvent = Omit<NewViolation, 'snapshot'> & { thumbnail?: string | null };

export interface PageQuery {
  from?: number;
  to?: number;
  flag?: FlagFilter;
  verdict?: VerdictFilter;
  /** Keyset paging: rows strictly older than this (at, id), newest first. */
  before?: { at: number; id: number };
  limit: number;
}

/** Counting stops here: on a million-row log an exact count costs more than the page itself. */
export const COUNT_LIMIT = 10_000;

export interface Page {
  rows: Violation[];
  /** Rows matching the filter, exact up to COUNT_LIMIT; `totalCapped` says there are more. */
  total: number;
  totalCapped: boolean;
  next: { at: number; id: number } | null;
}

interface Row {
  id: number;
  at_utc: number;
  tz_offset_min: number;
  track_id: number;
  verdict: string;
  confidence: number;
  model_id: string;
  camera_id: string;
  snapshot: string | null;
  reviewed: number;
  false_positive: number;
  note: string | null;
}

/** Each entry upgrades the schema by one version; never edit a shipped one, append. */
const MIGRATIONS: string[] = [
  `CREATE TABLE violations (
     id INTEGER PRIMARY KEY,
     at_utc INTEGER NOT NULL,
     tz_offset_min INTEGER NOT NULL,
     track_id INTEGER NOT NULL,
     verdict TEXT NOT NULL CHECK (verdict IN ('no_mask', 'incorrect')),
     confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
     model_id TEXT NOT NULL,
     camera_id TEXT NOT NULL,
     snapshot TEXT,
     reviewed INTEGER NOT NULL DEFAULT 0,
     false_positive INTEGER NOT NULL DEFAULT 0,
     note TEXT
   );
   CREATE INDEX violations_at ON violations (at_utc DESC, id DESC);
   CREATE INDEX violations_unreviewed ON violations (at_utc DESC, id DESC) WHERE reviewed = 0;
   CREATE INDEX violations_false_positive ON violations (at_utc DESC, id DESC) WHERE false_positive = 1;
   CREATE TABLE hourly (
     hour_utc INTEGER PRIMARY KEY,
     tz_offset_min INTEGER NOT NULL,
     checks INTEGER NOT NULL DEFAULT 0,
     violations INTEGER NOT NULL DEFAULT 0
   );`,
  // Masks worn below the nose are a small share of violations: the review filter for them must
  // not scan the whole log.
  `CREATE INDEX violations_incorrect ON violations (at_utc DESC, id DESC) WHERE verdict = 'incorrect';`,
  // Site reporting (src/main/site): each violation also goes into an outbox, in the same
  // transaction, with the UUID it keeps in the site database; marks say what has been shipped.
  `CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     violation_id INTEGER NOT NULL,
     at_utc INTEGER NOT NULL,
     payload TEXT NOT NULL
   );
   CREATE INDEX outbox_violation ON outbox (violation_id);
   CREATE INDEX outbox_at ON outbox (at_utc);
   CREATE TABLE site_marks (name TEXT PRIMARY KEY, value INTEGER NOT NULL);`,
  // People asked for something before they could be judged, per hour and what was asked: many
  // asked the same thing says the camera or the light is wrong for the lobby.
  `CREATE TABLE asked_hourly (
     hour_utc INTEGER NOT NULL,
     tz_offset_min INTEGER NOT NULL,
     guidance TEXT NOT NULL,
     people INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (hour_utc, guidance)
   );`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
const HOUR = 3_600_000;
/** The hour `t` falls in: the key of the hourly counts. */
const hourOf = (t: number): number => Math.floor(t / HOUR) * HOUR;
/** An hourly row's day on the kiosk's own calendar, as SQL. */
const LOCAL_DAY = "date((hour_utc + tz_offset_min * 60000) / 1000, 'unixepoch')";

export class CorruptDatabaseError extends Error {
  override name = 'CorruptDatabaseError';
}

function migrate(db: SqliteDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  let version = row?.version ?? 0;
  if (version > SCHEMA_VERSION) {
    throw new Error(`the violation log was written by a newer version of the app (schema ${version}, this app knows ${SCHEMA_VERSION})`);
  }
  const step = db.transaction((sql: string, to: number) => {
    db.exec(sql);
    db.prepare('DELETE FROM schema_version').run();
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(to);
  });
  while (version < SCHEMA_VERSION) {
    step(MIGRATIONS[version]!, version + 1);
    version++;
  }
}

function openChecked(file: string): SqliteDatabase {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    // A process crash (not an OS crash) loses nothing committed under WAL with NORMAL sync.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new CorruptDatabaseError(`integrity check failed: ${String(check)}`);
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export interface OpenedStore {
  store: ViolationStore;
  /** Set when a corrupt database was moved aside and a fresh one created. */
  warning: string | null;
}

export class ViolationStore {
  private readonly insert: Database.Statement;
  private readonly bumpHour: Database.Statement;
  private readonly enqueue: Database.Statement;
  private readonly bumpAsked: Database.Statement;

  private constructor(
    readonly db: SqliteDatabase,
    readonly file: string,
  ) {
    this.insert = db.prepare(
      `INSERT INTO violations (at_utc, tz_offset_min, track_id, verdict, confidence, model_id, camera_id, snapshot)
       VALUES (@at, @tzOffsetMinutes, @trackId, @verdict, @confidence, @modelId, @cameraId, @snapshot)`,
    );
    this.enqueue = db.prepare('INSERT INTO outbox (id, violation_id, at_utc, payload) VALUES (?, ?, ?, ?)');
    this.bumpAsked = db.prepare(
      `INSERT INTO asked_hourly (hour_utc, tz_offset_min, guidance, people) VALUES (?, ?, ?, 1)
       ON CONFLICT (hour_utc, guidance) DO UPDATE SET people = people + 1`,
    );
    this.bumpHour = db.prepare(
      `INSERT INTO hourly (hour_utc, tz_offset_min, checks, violations) VALUES (?, ?, 1, ?)
       ON CONFLICT (hour_utc) DO UPDATE SET checks = checks + 1, violations = violations + excluded.violations`,
    );
  }

  /**
   * Opens (creating if needed) the log in `dir`. A file that is not a database, or fails its
   * integrity check, is moved aside as `violations.db.corrupt-<time>` and a fresh log started.
   */
  static open(dir: string, now: Date = new Date()): OpenedStore {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'violations.db');
    try {
      return { store: new ViolationStore(openChecked(file), file), warning: null };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (!(err instanceof CorruptDatabaseError) && !/SQLITE_(NOTADB|CORRUPT)/.test(code)) throw err;
      const aside = `${file}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
      renameSync(file, aside);
      for (const suffix of ['-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
      return {
        store: new ViolationStore(openChecked(file), file),
        warning: `The violation log was damaged (${(err as Error).message}); it was moved to ${aside} and a new, empty log started.`,
      };
    }
  }

  close(): void {
    this.db.close();
  }

  /** A judged person: counts toward the hour's checks; a violation also gets its own row. */
  recordCheck(
    at: number,
    tzOffsetMinutes: number,
    violation: Omit<NewViolation, 'at' | 'tzOffsetMinutes'> | null,
    /** The snapshot is a blurred one (the only kind that may ever be shipped). */
    snapshotBlurred = false,
  ): number | null {
    return this.db.transaction(() => {
      this.bumpHour.run(hourOf(at), tzOffsetMinutes, violation ? 1 : 0);
      if (!violation) return null;
      const id = Number(this.insert.run({ ...violation, at, tzOffsetMinutes }).lastInsertRowid);
      const { trackId, verdict, confidence, modelId, cameraId } = violation;
      const thumbnail = snapshotBlurred ? violation.snapshot : null;
      const shipped: OutboxEvent = { at, tzOffsetMinutes, trackId, verdict, confidence, modelId, cameraId, thumbnail };
      this.enqueue.run(randomUUID(), id, at, JSON.stringify(shipped));
      return id;
    })();
  }

  /** Several checks in one transaction: all of them are written, or none. */
  recordChecks(checks: readonly CheckRow[]): void {
    this.db.transaction(() => {
      for (const c of checks) this.recordCheck(c.at, c.tzOffsetMinutes, c.violation, c.snapshotBlurred);
    })();
  }

  get(id: number): Violation | null {
    const row = this.db.prepare('SELECT * FROM violations WHERE id = ?').get(id) as Row | undefined;
    return row ? toViolation(row) : null;
  }

  page(q: PageQuery): Page {
    const { where, params } = filterSql(q);
    const keyset = q.before ? ' AND (at_utc < @beforeAt OR (at_utc = @beforeAt AND id < @beforeId))' : '';
    const rows = this.db
      .prepare(`SELECT * FROM violations WHERE ${where}${keyset} ORDER BY at_utc DESC, id DESC LIMIT @limit`)
      .all({ ...params, ...(q.before ? { beforeAt: q.before.at, beforeId: q.before.id } : {}), limit: q.limit + 1 }) as Row[];
    const counted = (
      this.db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM violations WHERE ${where} LIMIT ${COUNT_LIMIT + 1})`).get(params) as {
        n: number;
      }
    ).n;
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit).map(toViolation);
    const last = page.at(-1);
    return {
      rows: page,
      total: Math.min(counted, COUNT_LIMIT),
      totalCapped: counted > COUNT_LIMIT,
      next: more && last ? { at: last.at, id: last.id } : null,
    };
  }

  /**
   * Every row matching the filter, oldest first, for export. Read in keyset pages, each a
   * finished query: the caller may await between rows (writing a file) while the kiosk keeps
   * recording on the same connection, which an open SQLite iterator would refuse as busy.
   */
  *iterate(q: Omit<PageQuery, 'limit' | 'before'>, pageSize = 1000): Generator<Violation> {
    const { where, params } = filterSql(q);
    const first = this.db.prepare(`SELECT * FROM violations WHERE ${where} ORDER BY at_utc, id LIMIT @limit`);
    const after = this.db.prepare(
      `SELECT * FROM violations WHERE ${where} AND (at_utc > @afterAt OR (at_utc = @afterAt AND id > @afterId)) ORDER BY at_utc, id LIMIT @limit`,
    );
    let last: Row | undefined;
    for (;;) {
      const rows = (
        last ? after.all({ ...params, afterAt: last.at_utc, afterId: last.id, limit: pageSize }) : first.all({ ...params, limit: pageSize })
      ) as Row[];
      for (const row of rows) yield toViolation(row);
      if (rows.length < pageSize) return;
      last = rows.at(-1);
    }
  }

  /** One more person asked `guidance` in the hour of `at`. */
  recordAsked(at: number, tzOffsetMinutes: number, guidance: Guidance): void {
    this.bumpAsked.run(hourOf(at), tzOffsetMinutes, guidance);
  }

  /** People asked each thing from `from` to `to` (whole hours): the days' counts summed. */
  asked(from: number, to: number): AskedCounts {
    const total: AskedCounts = {};
    for (const { day: _, ...counts } of this.askedPerDay(from, to))
      for (const [g, n] of Object.entries(counts) as [Guidance, number][]) total[g] = (total[g] ?? 0) + n;
    return total;
  }

  /** People asked each thing per local day, from the hourly counts. */
  askedPerDay(from: number, to: number): AskedDay[] {
    const rows = this.db
      .prepare(
        `SELECT ${LOCAL_DAY} AS day, guidance, sum(people) AS people
         FROM asked_hourly WHERE hour_utc >= ? AND hour_utc < ? GROUP BY day, guidance ORDER BY day`,
      )
      .all(hourOf(from), to) as { day: string; guidance: Guidance; people: number }[];
    const byDay = new Map<string, AskedDay>();
    for (const r of rows) {
      const day = byDay.get(r.day) ?? { day: r.day };
      day[r.guidance] = r.people;
      byDay.set(r.day, day);
    }
    return [...byDay.values()];
  }

  /** Checks and violations per local day, from the hourly counts (no per-event scan). */
  perDay(from: number, to: number): DayCount[] {
    const rows = this.db
      .prepare(
        `SELECT ${LOCAL_DAY} AS day, sum(checks) AS checks, sum(violations) AS violations
         FROM hourly WHERE hour_utc >= ? AND hour_utc < ? GROUP BY day ORDER BY day`,
      )
      .all(hourOf(from), to) as DayCount[];
    return rows;
  }

  update(id: number, change: { reviewed?: boolean; falsePositive?: boolean; note?: string | null }): boolean {
    const sets: string[] = [];
    const params: Record<string, unknown> = { id };
    if (change.reviewed !== undefined) {
      sets.push('reviewed = @reviewed');
      params.reviewed = change.reviewed ? 1 : 0;
    }
    if (change.falsePositive !== undefined) {
      sets.push('false_positive = @falsePositive');
      params.falsePositive = change.falsePositive ? 1 : 0;
    }
    if (change.note !== undefined) {
      sets.push('note = @note');
      params.note = change.note;
    }
    if (sets.length === 0) return this.get(id) !== null;
    return this.db.prepare(`UPDATE violations SET ${sets.join(', ')} WHERE id = @id`).run(params).changes === 1;
  }

  /** Deletes rows; returns how many existed and the snapshot names they referenced, for the caller to remove. */
  delete(ids: readonly number[]): { deleted: number; snapshots: string[] } {
    return this.db.transaction(() => {
      const snapshots: string[] = [];
      let deleted = 0;
      const select = this.db.prepare('SELECT snapshot FROM violations WHERE id = ?');
      const del = this.db.prepare('DELETE FROM violations WHERE id = ?');
      // Not shipped yet: a deleted violation must not reach the site database afterwards.
      const unsend = this.db.prepare('DELETE FROM outbox WHERE violation_id = ?');
      for (const id of ids) {
        const row = select.get(id) as { snapshot: string | null } | undefined;
        if (row?.snapshot) snapshots.push(row.snapshot);
        deleted += del.run(id).changes;
        unsend.run(id);
      }
      return { deleted, snapshots };
    })();
  }

  /** Rows and hourly counts older than `cutoff`; returns the snapshot names to remove. */
  deleteOlderThan(cutoff: number): { rows: number; snapshots: string[] } {
    return this.db.transaction(() => {
      const snapshots = (
        this.db.prepare('SELECT snapshot FROM violations WHERE at_utc < ? AND snapshot IS NOT NULL').all(cutoff) as { snapshot: string }[]
      ).map((r) => r.snapshot);
      const rows = this.db.prepare('DELETE FROM violations WHERE at_utc < ?').run(cutoff).changes;
      this.db.prepare('DELETE FROM hourly WHERE hour_utc + 3600000 <= ?').run(cutoff);
      // What is kept is what the privacy line says: nothing older, shipped or not.
      this.db.prepare('DELETE FROM outbox WHERE at_utc < ?').run(cutoff);
      return { rows, snapshots };
    })();
  }

  /** Names of every snapshot file a row refers to. */
  referencedSnapshots(): Set<string> {
    return new Set(this.db.prepare('SELECT snapshot FROM violations WHERE snapshot IS NOT NULL').pluck().all() as string[]);
  }

  /** The oldest rows that have snapshots, for trimming to the disk cap. */
  oldestWithSnapshots(limit: number): { id: number; snapshot: string }[] {
    return this.db.prepare('SELECT id, snapshot FROM violations WHERE snapshot IS NOT NULL ORDER BY at_utc, id LIMIT ?').all(limit) as {
      id: number;
      snapshot: string;
    }[];
  }

  /** Drops the image reference of rows whose snapshot was removed to save space; the event stays. */
  clearSnapshots(ids: readonly number[]): void {
    const stmt = this.db.prepare('UPDATE violations SET snapshot = NULL WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) stmt.run(id);
    })();
  }

  oldestIds(limit: number): number[] {
    return (this.db.prepare('SELECT id FROM violations ORDER BY at_utc, id LIMIT ?').all(limit) as { id: number }[]).map((r) => r.id);
  }

  /** Returns freed pages to the file system (after large deletions). */
  compact(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.exec('VACUUM');
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM violations').get() as { n: number }).n;
  }
}

function filterSql(q: { from?: number; to?: number; flag?: FlagFilter; verdict?: VerdictFilter }): {
  where: string;
  params: Record<string, number>;
} {
  const parts = ['1 = 1'];
  const params: Record<string, number> = {};
  // Literals, not parameters, so SQLite can use the partial index for the rare verdict.
  if (q.verdict === 'incorrect') parts.push("verdict = 'incorrect'");
  if (q.verdict === 'no_mask') parts.push("verdict = 'no_mask'");
  if (q.from !== undefined) {
    parts.push('at_utc >= @from');
    params.from = q.from;
  }
  if (q.to !== undefined) {
    parts.push('at_utc < @to');
    params.to = q.to;
  }
  switch (q.flag ?? 'all') {
    case 'unreviewed':
      parts.push('reviewed = 0');
      break;
    case 'reviewed':
      parts.push('reviewed = 1');
      break;
    case 'false_positive':
      parts.push('false_positive = 1');
      break;
    case 'confirmed':
      parts.push('reviewed = 1 AND false_positive = 0');
      break;
    case 'all':
      break;
  }
  return { where: parts.join(' AND '), params };
}

function toViolation(r: Row): Violation {
  return {
    id: r.id,
    at: r.at_utc,
    tzOffsetMinutes: r.tz_offset_min,
    trackId: r.track_id,
    verdict: r.verdict as Violation['verdict'],
    confidence: r.confidence,
    modelId: r.model_id,
    cameraId: r.camera_id,
    snapshot: r.snapshot,
    reviewed: r.reviewed === 1,
    falsePositive: r.false_positive === 1,
    note: r.note,
  };
}

// What waits to be shipped to the site database, read from the kiosk's own SQLite log: violations
// from the outbox table (written with each violation, in its transaction), and closed hours from
// the hourly counts. The marks of what has been shipped live in the same file, so they survive a
// restart, and a batch that was shipped but not marked is simply shipped again (the site database
// ignores ids it already has).
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { OutboxEvent } from '../log/store';

const HOUR = 3_600_000;

export interface PendingEvent extends OutboxEvent {
  seq: number;
  id: string;
}

export interface PendingHour {
  id: string;
  hourUtc: number;
  tzOffsetMinutes: number;
  checks: number;
  violations: number;
}

/** A stable UUID for one kiosk's hour, the same on every retry (name-based, RFC 4122 version 5 layout). */
export function hourId(kiosk: string, hourUtc: number): string {
  const h = createHash('sha1').update(`mask-kiosk hour ${kiosk} ${hourUtc}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export class SiteOutbox {
  constructor(private readonly db: Database) {}

  private mark(name: 'events' | 'hours'): number {
    const row = this.db.prepare('SELECT value FROM site_marks WHERE name = ?').get(name) as { value: number } | undefined;
    return row?.value ?? 0;
  }

  /** Violations not shipped yet, oldest first; at most `limit`, so memory stays bounded however long the outage. */
  events(limit: number): PendingEvent[] {
    const rows = this.db
      .prepare('SELECT seq, id, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(this.mark('events'), limit) as { seq: number; id: string; payload: string }[];
    return rows.map((r) => ({ seq: r.seq, id: r.id, ...(JSON.parse(r.payload) as OutboxEvent) }));
  }

  /** Hours that have ended and are not shipped yet, oldest first. */
  hours(kiosk: string, now: number, limit: number): PendingHour[] {
    const rows = this.db
      .prepare(
        'SELECT hour_utc, tz_offset_min, checks, violations FROM hourly WHERE hour_utc > ? AND hour_utc + ? <= ? ORDER BY hour_utc LIMIT ?',
      )
      .all(this.mark('hours') || -1, HOUR, now, limit) as { hour_utc: number; tz_offset_min: number; checks: number; violations: number }[];
    return rows.map((r) => ({
      id: hourId(kiosk, r.hour_utc),
      hourUtc: r.hour_utc,
      tzOffsetMinutes: r.tz_offset_min,
      checks: r.checks,
      violations: r.violations,
    }));
  }

  /** Violations waiting: what the status strip shows. */
  queued(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM outbox WHERE seq > ?').get(this.mark('events')) as { n: number }).n;
  }

  /** Everything up to `seq` has reached the site database: remember it, and let those rows go. */
  shippedEvents(seq: number): void {
    this.db.transaction(() => {
      this.setMark('events', seq);
      this.db.prepare('DELETE FROM outbox WHERE seq <= ?').run(seq);
    })();
  }

  shippedHours(hourUtc: number): void {
    this.setMark('hours', hourUtc);
  }

  private setMark(name: 'events' | 'hours', value: number): void {
    this.db
      .prepare('INSERT INTO site_marks (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)')
      .run(name, value);
  }
}

import type Database from 'better-sqlite3';
import { expect } from 'vitest';

/**
 * Fills a SQLite database to a limit (max_page_count, which fails a write with the same
 * SQLITE_FULL "database or disk is full" a full disk gives): not even the smallest row fits after
 * it. `raiseLimit` gives the room back, as freeing disk space would.
 */
export function fillDatabase(db: Database.Database, at: number): { raiseLimit: () => void } {
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
  const filler = db.prepare(
    'INSERT INTO violations (at_utc, tz_offset_min, track_id, verdict, confidence, model_id, camera_id, note) VALUES (?, 0, 0, ?, 0.5, ?, ?, ?)',
  );
  // Large rows first, then ever smaller ones, until not even the smallest fits.
  for (const size of [500, 50, 1]) {
    expect(() => {
      for (let i = 0; i < 100_000; i++) filler.run(at - i, 'no_mask', 'm'.repeat(size), 'c', 'n'.repeat(size));
    }).toThrow(/full/);
  }
  return { raiseLimit: () => db.pragma('max_page_count = 1000000') };
}

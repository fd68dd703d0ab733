// Keeps the violation log within its age limit and its disk cap: events (and their snapshots)
// older than N days go; past the cap, the oldest snapshots go first, then the oldest events. A
// damaged log that was moved aside goes too once everything it can hold has expired.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Settings } from '../../shared/settings';
import { removeSnapshots, snapshotsBytes } from './snapshots';
import type { ViolationStore } from './store';

/** The retention settings staff choose (days kept, disk cap). */
export type RetentionPolicy = Settings['retention'];

export interface RetentionResult {
  expiredEvents: number;
  trimmedSnapshots: number;
  trimmedEvents: number;
  /** Damaged logs moved aside (`violations.db.corrupt-*`, with their -wal and -shm) that expired. */
  expiredAsides: number;
  bytes: number;
}

const DAY = 86_400_000;

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function logBytes(store: ViolationStore, snapshotsDir: string): number {
  // The WAL is transient (checkpointed back into the file at about 4 MB), so the cap counts the
  // database file and the snapshots.
  return snapshotsBytes(snapshotsDir, store.referencedSnapshots()) + fileSize(store.file);
}

/**
 * Removes the damaged logs moved aside in `dir` whose last write is older than `cutoff`: nothing
 * in them can be newer than that, so all they hold is past its retention.
 */
export function removeExpiredAsides(dir: string, cutoff: number): number {
  let removed = 0;
  for (const name of readdirSync(dir)) {
    if (!/^violations\.db\.corrupt-/.test(name)) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).mtimeMs >= cutoff) continue;
      rmSync(path, { force: true });
      if (!/-(wal|shm)$/.test(name)) removed++;
    } catch {
      // removed meanwhile: nothing to do
    }
  }
  return removed;
}

export function applyRetention(store: ViolationStore, snapshotsDir: string, policy: RetentionPolicy, now: number): RetentionResult {
  const expired = store.deleteOlderThan(now - policy.days * DAY);
  const expiredAsides = removeExpiredAsides(dirname(store.file), now - policy.days * DAY);
  removeSnapshots(snapshotsDir, expired.snapshots);
  const cap = policy.maxMegabytes * 1024 * 1024;
  let trimmedSnapshots = 0;
  let trimmedEvents = 0;
  let bytes = logBytes(store, snapshotsDir);
  while (bytes > cap) {
    const oldest = store.oldestWithSnapshots(200);
    if (oldest.length === 0) break;
    // Oldest first, only as many as it takes.
    const trimmed: typeof oldest = [];
    for (const o of oldest) {
      if (bytes <= cap) break;
      bytes -= fileSize(join(snapshotsDir, o.snapshot));
      trimmed.push(o);
    }
    removeSnapshots(
      snapshotsDir,
      trimmed.map((o) => o.snapshot),
    );
    store.clearSnapshots(trimmed.map((o) => o.id));
    trimmedSnapshots += trimmed.length;
    bytes = logBytes(store, snapshotsDir);
  }
  if (bytes > cap) {
    // Only rows left over the cap: drop the oldest, then give the space back to the disk.
    while (bytes > cap && store.count() > 0) {
      const oldest = store.oldestIds(Math.max(1000, Math.ceil(store.count() / 10)));
      store.delete(oldest);
      trimmedEvents += oldest.length;
      store.compact();
      bytes = logBytes(store, snapshotsDir);
    }
  }
  return { expiredEvents: expired.rows, trimmedSnapshots, trimmedEvents, expiredAsides, bytes };
}

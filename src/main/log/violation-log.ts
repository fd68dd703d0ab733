// Turns compliance events into log entries: every judged person counts toward the hourly checks,
// every violation gets a row and (by the privacy setting) a snapshot. A snapshot that cannot be
// written (disk full, no permission) never costs the event: it is logged without the image. A row
// the database cannot take (a full disk) waits in memory, in order, and is written as soon as it
// can be; staff see how many wait.

import { join } from 'node:path';
import type { Guidance } from '../../shared/screen-states';
import type { SnapshotMode } from '../../shared/settings';
import type { ComplianceEvent } from '../compliance/tracker';
import type { Logger } from '../logger';
import type { RawImage } from '../vision/image';
import { applyRetention, type RetentionPolicy, type RetentionResult } from './retention';
import { makeSnapshot, removeSnapshots, snapshotName, sweepOrphanSnapshots, writeSnapshot } from './snapshots';
import { type CheckRow, ViolationStore } from './store';

export interface ViolationLogOptions {
  dir: string;
  snapshotMode: () => SnapshotMode;
  retention: () => RetentionPolicy;
  modelId: () => string;
  cameraId: () => string;
  log: Logger;
  now?: () => number;
  /** Told whenever rows start or stop waiting, or how many wait changes. */
  onWriteState?: (state: LogWriteState) => void;
  /** How often rows that wait are tried again when no new event comes to try them. */
  retryMs?: number;
  /** Rows kept waiting at most; past it the oldest are given up (and the app log says how many). */
  maxWaiting?: number;
}

/** Whether the log takes what the kiosk records, and what waits in memory when it does not. */
export interface LogWriteState {
  /** Checks (compliant people and violations) not yet written. */
  waiting: number;
  /** The violations among them. */
  violationsWaiting: number;
  /** Why the last try failed (SQLite's words); null when nothing waits. */
  problem: string | null;
}

/**
 * SQLite errors that pass when the disk or the file does: full, I/O, locked by another process,
 * read-only for now. Anything else (a constraint, say) would fail the same way on every try.
 */
const PASSING = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|PROTOCOL)/;
const mayPass = (err: unknown): boolean => PASSING.test((err as { code?: unknown }).code?.toString() ?? '');

const RETRY_MS = 30_000;

/** The PC's offset from UTC at `at`, in minutes east: each count is kept on its own local day. */
const tzOffsetAt = (at: number): number => -new Date(at).getTimezoneOffset();
// A busy entrance judges some thousands of people a day: a day of them on a full disk is a few MB.
const MAX_WAITING = 20_000;

export class ViolationLog {
  readonly snapshotsDir: string;
  private queue: Promise<void> = Promise.resolve();
  /** Checks the database has not taken yet, oldest first. */
  private waiting: CheckRow[] = [];
  private problem: string | null = null;
  private retryTimer: ReturnType<typeof setInterval> | null = null;
  /** The write state as last reported. */
  private reported: LogWriteState = { waiting: 0, violationsWaiting: 0, problem: null };

  private constructor(
    readonly store: ViolationStore,
    private readonly options: ViolationLogOptions,
    /** Set when a damaged log was moved aside at open: staff should hear of it. */
    readonly warning: string | null,
  ) {
    this.snapshotsDir = join(options.dir, 'snapshots');
  }

  /** Opens the log (moving a corrupt one aside) and applies retention once. */
  static open(options: ViolationLogOptions): ViolationLog {
    const { store, warning } = ViolationStore.open(options.dir);
    if (warning) options.log('warn', warning);
    const log = new ViolationLog(store, options, warning);
    const swept = sweepOrphanSnapshots(store, log.snapshotsDir);
    if (swept) options.log('info', `violation log: removed ${swept} snapshot files that no event references (left by a crash)`);
    log.retain();
    return log;
  }

  /** Records a frame's events in order; returns when they are written, or wait to be. */
  record(events: readonly ComplianceEvent[], frame: RawImage): Promise<void> {
    const work = this.queue.then(() => this.write(events, frame));
    this.queue = work.catch((err: unknown) => this.options.log('error', `violation log: write failed: ${(err as Error).message}`));
    return this.queue;
  }

  /**
   * Counts people asked for something (the review's "asked" line). A count the disk refuses is
   * given up with a warning: it is a statistic, and the violations that wait come first.
   */
  recordAsked(asked: readonly Guidance[], at: number): void {
    if (asked.length === 0) return;
    this.queue = this.queue.then(() => {
      try {
        for (const g of asked) this.store.recordAsked(at, tzOffsetAt(at), g);
      } catch (err) {
        this.options.log('warn', `violation log: ${asked.length} guidance counts not saved: ${(err as Error).message}`);
      }
    });
  }

  /** What waits to be written, and why. */
  get writeState(): LogWriteState {
    return {
      waiting: this.waiting.length,
      violationsWaiting: this.waiting.filter((c) => c.violation).length,
      problem: this.problem,
    };
  }

  private async write(events: readonly ComplianceEvent[], frame: RawImage): Promise<void> {
    for (const e of events) this.waiting.push(await this.checkOf(e, frame));
    this.flush();
  }

  private async checkOf(e: ComplianceEvent, frame: RawImage): Promise<CheckRow> {
    const at = e.at;
    const tzOffsetMinutes = tzOffsetAt(at);
    if (e.kind === 'compliant') return { at, tzOffsetMinutes, violation: null, snapshotBlurred: false };
    let snapshot: string | null = null;
    const mode = this.options.snapshotMode();
    try {
      const bytes = await makeSnapshot(frame, e.box, mode);
      if (bytes) {
        const name = snapshotName(at);
        writeSnapshot(this.snapshotsDir, name, bytes);
        snapshot = name;
      }
    } catch (err) {
      this.options.log('warn', `violation log: snapshot not saved, event kept without it: ${(err as Error).message}`);
    }
    const violation = {
      trackId: e.trackId,
      verdict: e.verdict === 'incorrect' ? ('incorrect' as const) : ('no_mask' as const),
      confidence: Math.min(1, Math.max(0, e.confidence)),
      modelId: this.options.modelId(),
      cameraId: this.options.cameraId(),
      snapshot,
    };
    return { at, tzOffsetMinutes, violation, snapshotBlurred: mode === 'blurred' };
  }

  /**
   * Writes what waits, oldest first, and stops at the first row the database refuses (a refused
   * row leaves nothing behind); the rest wait for the next event or the retry timer. A snapshot
   * stays on disk while its row waits: the row will reference it.
   */
  private flush(): void {
    // Many rows waiting (a disk that was full for a while) go in one transaction: far less to
    // write than one each, where the disk has only just got room again.
    if (this.waiting.length > 1) {
      try {
        this.store.recordChecks(this.waiting);
        this.waiting = [];
      } catch {
        // Nothing of the batch is written; row by row below says which row fails, and why.
      }
    }
    while (this.waiting.length > 0) {
      const c = this.waiting[0]!;
      try {
        this.store.recordCheck(c.at, c.tzOffsetMinutes, c.violation, c.snapshotBlurred);
      } catch (err) {
        if (mayPass(err)) {
          this.problem = (err as Error).message;
          break;
        }
        // A row the database will never take must not hold back every row after it.
        this.dropSnapshots([c]);
        this.options.log(
          'error',
          `violation log: a check at ${new Date(c.at).toISOString()} could not be written and is dropped: ${(err as Error).message}`,
        );
      }
      this.waiting.shift();
    }
    const over = this.waiting.length - (this.options.maxWaiting ?? MAX_WAITING);
    if (over > 0) {
      const given = this.waiting.splice(0, over);
      this.dropSnapshots(given);
      this.options.log(
        'error',
        `violation log: ${over} checks (${given.filter((c) => c.violation).length} violations) given up: too many waiting to be written`,
      );
    }
    if (this.waiting.length === 0) this.problem = null;
    this.reportChange();
  }

  /** Says what changed since it last said anything: in the app log, to `onWriteState`, and in the retry timer. */
  private reportChange(): void {
    const before = this.reported;
    const after = this.writeState;
    if (before.waiting === after.waiting && before.problem === after.problem) return;
    this.reported = after;
    if (after.waiting > 0 && before.waiting === 0) {
      this.options.log(
        'error',
        `violation log: cannot write (${after.problem}); what the kiosk records waits in memory and is written as soon as the log takes it`,
      );
    } else if (after.waiting === 0) {
      this.options.log(
        'info',
        `violation log: writing again; ${before.waiting} checks that waited (${before.violationsWaiting} violations) are written`,
      );
    }
    if (after.waiting > 0 && !this.retryTimer) {
      this.retryTimer = setInterval(() => {
        // Caught here as record() catches its own: a failed try must not turn away the next event.
        this.queue = this.queue
          .then(() => this.flush())
          .catch((err: unknown) => this.options.log('error', `violation log: retry failed: ${(err as Error).message}`));
      }, this.options.retryMs ?? RETRY_MS);
      this.retryTimer.unref();
    } else if (after.waiting === 0 && this.retryTimer) {
      clearInterval(this.retryTimer);
      this.retryTimer = null;
    }
    this.options.onWriteState?.(after);
  }

  private dropSnapshots(checks: readonly CheckRow[]): void {
    removeSnapshots(
      this.snapshotsDir,
      checks.flatMap((c) => (c.violation?.snapshot ? [c.violation.snapshot] : [])),
    );
  }

  retain(): RetentionResult {
    const result = applyRetention(this.store, this.snapshotsDir, this.options.retention(), (this.options.now ?? Date.now)());
    if (result.expiredEvents || result.trimmedSnapshots || result.trimmedEvents || result.expiredAsides) {
      this.options.log(
        'info',
        `violation log: retention removed ${result.expiredEvents} expired events, ${result.trimmedSnapshots} snapshots and ${result.trimmedEvents} events over the disk cap` +
          (result.expiredAsides ? `, and ${result.expiredAsides} damaged logs set aside that had expired` : ''),
      );
    }
    return result;
  }

  /** Returns how many of the ids were rows (ids already gone are not counted). */
  delete(ids: readonly number[]): number {
    const { deleted, snapshots } = this.store.delete(ids);
    removeSnapshots(this.snapshotsDir, snapshots);
    return deleted;
  }

  async close(): Promise<void> {
    await this.queue;
    this.flush();
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
    if (this.waiting.length) {
      const lost = this.waiting;
      this.waiting = [];
      this.dropSnapshots(lost);
      this.options.log(
        'error',
        `violation log: closed with ${lost.length} checks (${lost.filter((c) => c.violation).length} violations) still unwritten (${this.problem}); they are lost`,
      );
    }
    this.store.close();
  }
}

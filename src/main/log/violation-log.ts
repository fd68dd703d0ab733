// Turns compliance events into log entries: every judged person counts toward the hourly checks,
// every violation gets a row and (by the privacy setting) a snapshot. A snapshot that cannot be
// written (disk full, no permission) never costs the event: it is logged without the image.

import { join } from 'node:path';
import type { SnapshotMode } from '../../shared/settings';
import type { ComplianceEvent } from '../compliance/tracker';
import type { Logger } from '../logger';
import type { RawImage } from '../vision/image';
import { applyRetention, type RetentionPolicy, type RetentionResult } from './retention';
import { makeSnapshot, removeSnapshots, snapshotName, sweepOrphanSnapshots, writeSnapshot } from './snapshots';
import { ViolationStore } from './store';

export interface ViolationLogOptions {
  dir: string;
  snapshotMode: () => SnapshotMode;
  retention: () => RetentionPolicy;
  modelId: () => string;
  cameraId: () => string;
  log: Logger;
  now?: () => number;
}

export class ViolationLog {
  readonly snapshotsDir: string;
  private queue: Promise<void> = Promise.resolve();

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

  /** Records a frame's events in order; returns when they are written. */
  record(events: readonly ComplianceEvent[], frame: RawImage): Promise<void> {
    const work = this.queue.then(() => this.write(events, frame));
    this.queue = work.catch((err: unknown) => this.options.log('error', `violation log: write failed: ${(err as Error).message}`));
    return this.queue;
  }

  private async write(events: readonly ComplianceEvent[], frame: RawImage): Promise<void> {
    for (const e of events) {
      const tz = -new Date(e.at).getTimezoneOffset();
      if (e.kind === 'compliant') {
        this.store.recordCheck(e.at, tz, null);
        continue;
      }
      let snapshot: string | null = null;
      const mode = this.options.snapshotMode();
      try {
        const bytes = await makeSnapshot(frame, e.box, mode);
        if (bytes) {
          const name = snapshotName(e.at);
          writeSnapshot(this.snapshotsDir, name, bytes);
          snapshot = name;
        }
      } catch (err) {
        this.options.log('warn', `violation log: snapshot not saved, event kept without it: ${(err as Error).message}`);
      }
      try {
        this.store.recordCheck(
          e.at,
          tz,
          {
            trackId: e.trackId,
            verdict: e.verdict === 'incorrect' ? 'incorrect' : 'no_mask',
            confidence: Math.min(1, Math.max(0, e.confidence)),
            modelId: this.options.modelId(),
            cameraId: this.options.cameraId(),
            snapshot,
          },
          mode === 'blurred',
        );
      } catch (err) {
        // No row, no picture: a face image the log does not reference would never be deleted.
        if (snapshot) removeSnapshots(this.snapshotsDir, [snapshot]);
        throw err;
      }
    }
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
    this.store.close();
  }
}

// A CSV export of a large log while the kiosk keeps recording: every violation recorded during
// the export is kept (an open SQLite iterator used to refuse the writes as "busy").

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ComplianceEvent } from '../../../src/main/compliance/tracker';
import { AdminPin } from '../../../src/main/config/admin-pin';
import { createAdminHandlers } from '../../../src/main/core/admin-handlers';
import { ViolationLog } from '../../../src/main/log/violation-log';
import { violationRow } from '../../helpers/violations';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'export-rec-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 10, 1);
const frame = { data: new Uint8Array(4 * 32 * 32), width: 32, height: 32, channels: 4 as const };

describe('CSV export while recording', () => {
  it('keeps every violation recorded during a 50,000-row export', async () => {
    const errors: string[] = [];
    const log = ViolationLog.open({
      dir: join(dir, 'log'),
      snapshotMode: () => 'none',
      retention: () => ({ days: 3650, maxMegabytes: 10_000 }),
      modelId: () => 'm',
      cameraId: () => 'c',
      log: (level, m) => level === 'error' && errors.push(m),
      now: () => T0 + 50_000_000,
    });
    const fill = log.store.db.transaction(() => {
      for (let i = 0; i < 50_000; i++) log.store.recordCheck(T0 + i * 1000, 0, violationRow(i));
    });
    fill();
    const out = join(dir, 'export.csv');
    const admin = createAdminHandlers({
      pin: new AdminPin(join(dir, 'admin.json')),
      log,
      chooseSavePath: async () => out,
      exitKiosk: () => {},
      audit: () => {},
      appLogTail: () => [],
    });
    await admin.handlers['admin:setPin']({ pin: '4826' });

    let recording = true;
    let recorded = 0;
    const recorder = (async () => {
      while (recording) {
        const event: ComplianceEvent = {
          kind: 'violation',
          verdict: 'no_mask',
          trackId: 100_000 + recorded,
          at: T0 + 60_000_000 + recorded,
          confidence: 0.8,
          box: { x: 0, y: 0, width: 32, height: 32 },
        };
        await log.record([event], frame);
        recorded++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const result = await admin.handlers['log:exportCsv']({ flag: 'all', verdict: 'all' });
    recording = false;
    await recorder;
    await log.close();

    expect(errors).toEqual([]);
    expect(recorded).toBeGreaterThan(10);
    expect(result).toMatchObject({ path: out });
    const exported = (result as { rows: number }).rows;
    expect(exported).toBeGreaterThanOrEqual(50_000);
    expect(readFileSync(out, 'utf8').trim().split('\r\n')).toHaveLength(exported + 1);
    const reopened = ViolationLog.open({
      dir: join(dir, 'log'),
      snapshotMode: () => 'none',
      retention: () => ({ days: 3650, maxMegabytes: 10_000 }),
      modelId: () => 'm',
      cameraId: () => 'c',
      log: () => {},
      now: () => T0 + 50_000_000,
    });
    expect(reopened.store.count()).toBe(50_000 + recorded);
    await reopened.close();
  }, 120_000);
});

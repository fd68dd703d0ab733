import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ComplianceEvent } from '../../../src/main/compliance/tracker';
import { csvField, csvLines } from '../../../src/main/log/csv';
import { applyRetention, logBytes } from '../../../src/main/log/retention';
import { makeSnapshot } from '../../../src/main/log/snapshots';
import { type LogWriteState, ViolationLog, type ViolationLogOptions } from '../../../src/main/log/violation-log';
import { decodeImage, type RawImage } from '../../../src/main/vision/image';
import type { SnapshotMode } from '../../../src/shared/settings';
import { fillDatabase } from '../../helpers/full-database';
import { sample } from '../../helpers/paths';

let dir: string;
let frame: RawImage;
const logs: string[] = [];
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vlog-'));
  logs.length = 0;
  frame = await decodeImage(sample('test', 'without_mask', 1)[0]!.path);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 27, 12);
const event = (
  kind: ComplianceEvent['kind'],
  at = NOW,
  trackId = 1,
  verdict: ComplianceEvent['verdict'] = kind === 'violation' ? 'no_mask' : 'mask',
): ComplianceEvent => ({
  kind,
  verdict,
  trackId,
  at,
  confidence: 0.9,
  box: { x: 10, y: 10, width: frame.width - 20, height: frame.height - 20 },
});
const open = (mode: SnapshotMode = 'blurred', retention = { days: 30, maxMegabytes: 500 }, more: Partial<ViolationLogOptions> = {}) =>
  ViolationLog.open({
    dir,
    snapshotMode: () => mode,
    retention: () => retention,
    modelId: () => 'facemask-default',
    cameraId: () => 'cam',
    log: (l, m) => logs.push(`${l} ${m}`),
    now: () => NOW,
    ...more,
  });

/** Fine detail an image keeps: its mean distance from a blurred copy of itself (eyes, mouth and
 *  edges of a face are fine detail; a smooth colour field is not). */
async function detail(jpeg: Buffer): Promise<number> {
  const grey = await sharp(jpeg).greyscale().raw().toBuffer();
  const smooth = await sharp(jpeg).greyscale().blur(4).raw().toBuffer();
  let sum = 0;
  for (let i = 0; i < grey.length; i++) sum += Math.abs(grey[i]! - smooth[i]!);
  return sum / grey.length;
}

describe('violation log', () => {
  it('writes a violation row with a blurred face snapshot and counts compliant checks', async () => {
    const log = open();
    await log.record([event('violation'), event('compliant', NOW + 1000, 2)], frame);
    const [row] = log.store.page({ limit: 10 }).rows;
    expect(row).toMatchObject({ verdict: 'no_mask', modelId: 'facemask-default', cameraId: 'cam', confidence: 0.9 });
    expect(readdirSync(log.snapshotsDir)).toEqual([row!.snapshot]);
    expect(log.store.perDay(NOW - DAY, NOW + DAY)).toEqual([{ day: '2026-11-27', checks: 2, violations: 1 }]);
    await log.close();
  });

  it('records what a violator wore: no mask, or a mask below the nose', async () => {
    const log = open();
    await log.record([event('violation', NOW, 1, 'incorrect'), event('violation', NOW + 1000, 2, 'no_mask')], frame);
    expect(log.store.page({ limit: 10 }).rows.map((r) => r.verdict)).toEqual(['no_mask', 'incorrect']);
    await log.close();
  });

  it('blurs snapshots beyond recognition by default, keeps only the face crop, and stores nothing for "none"', async () => {
    const box = event('violation').box;
    const face = (await makeSnapshot(frame, box, 'face'))!;
    const blurred = (await makeSnapshot(frame, box, 'blurred'))!;
    expect(await makeSnapshot(frame, box, 'none')).toBeNull();
    const faceMeta = await sharp(face).metadata();
    expect([faceMeta.format, faceMeta.width, faceMeta.height]).toEqual(['jpeg', 128, 128]);
    const [b, f] = [await detail(blurred), await detail(face)];
    console.info(`snapshot fine detail: blurred ${b.toFixed(2)}, face ${f.toFixed(2)}`);
    expect(b).toBeLessThan(f / 5);
    const log = open('none');
    await log.record([event('violation')], frame);
    expect(log.store.page({ limit: 1 }).rows[0]!.snapshot).toBeNull();
    await log.close();
  });

  it('keeps the event when the snapshot cannot be written', async () => {
    // A file where the snapshots folder should be: every write fails, as on a full or read-only disk.
    writeFileSync(join(dir, 'snapshots'), 'in the way');
    const log = open();
    await log.record([event('violation')], frame);
    expect(log.store.count()).toBe(1);
    expect(log.store.page({ limit: 1 }).rows[0]!.snapshot).toBeNull();
    expect(logs.some((l) => l.startsWith('warn violation log: snapshot not saved, event kept without it'))).toBe(true);
    await log.close();
  });

  it('keeps what a full database refuses in memory, tells staff, and writes it once there is room', async () => {
    const states: LogWriteState[] = [];
    const log = open('blurred', undefined, { onWriteState: (s) => states.push(s), retryMs: 50 });
    await log.record([event('violation', NOW, 1)], frame);
    const full = fillDatabase(log.store.db, NOW);
    const rowsBefore = log.store.count();
    await log.record([event('violation', NOW + 1000, 2), event('compliant', NOW + 2000, 3)], frame);
    expect(log.store.count()).toBe(rowsBefore);
    expect(log.writeState).toEqual({ waiting: 2, violationsWaiting: 1, problem: 'database or disk is full' });
    expect(states.at(-1)).toEqual(log.writeState);
    expect(logs.filter((l) => l.startsWith('error violation log: cannot write (database or disk is full)'))).toHaveLength(1);
    // The waiting violation's snapshot stays on disk: its row will reference it.
    expect(readdirSync(log.snapshotsDir)).toHaveLength(2);

    // Room again (staff freed disk space): the retry timer writes what waited, with nothing new recorded.
    full.raiseLimit();
    await expect.poll(() => log.writeState.waiting, { timeout: 5_000 }).toBe(0);
    expect(log.store.count()).toBe(rowsBefore + 1);
    const [newest] = log.store.page({ limit: 1 }).rows;
    expect(newest).toMatchObject({ at: NOW + 1000, trackId: 2, verdict: 'no_mask' });
    expect(readdirSync(log.snapshotsDir).sort()).toEqual([...log.store.referencedSnapshots()].sort());
    expect(log.store.perDay(NOW - DAY, NOW + DAY)).toEqual([{ day: '2026-11-27', checks: 3, violations: 2 }]);
    expect(states.at(-1)).toEqual({ waiting: 0, violationsWaiting: 0, problem: null });
    expect(logs.some((l) => l === 'info violation log: writing again; 2 checks that waited (1 violations) are written')).toBe(true);
    await log.close();
  });

  it('leaves no face picture behind when it closes with rows still waiting', async () => {
    const log = open();
    await log.record([event('violation', NOW, 1)], frame);
    fillDatabase(log.store.db, NOW);
    await log.record([event('violation', NOW + 1000, 2)], frame);
    expect(log.writeState.violationsWaiting).toBe(1);
    await log.close();
    expect(
      logs.some((l) => /^error violation log: closed with 1 checks \(1 violations\) still unwritten \(database or disk is full\)/.test(l)),
    ).toBe(true);
    const reopened = open();
    // Only the first event's snapshot is on disk; the lost one left nothing.
    expect(readdirSync(reopened.snapshotsDir)).toEqual([...reopened.store.referencedSnapshots()]);
    expect(readdirSync(reopened.snapshotsDir)).toHaveLength(1);
    await reopened.close();
  });

  it('gives up, and says so, the oldest of more rows waiting than it keeps', async () => {
    const log = open('none', undefined, { maxWaiting: 3 });
    const full = fillDatabase(log.store.db, NOW);
    await log.record(
      [1, 2, 3, 4, 5].map((i) => event('violation', NOW + i * 1000, i)),
      frame,
    );
    expect(log.writeState.waiting).toBe(3);
    expect(logs).toContain('error violation log: 2 checks (2 violations) given up: too many waiting to be written');
    full.raiseLimit();
    await log.record([], frame);
    expect(log.store.page({ limit: 10, from: NOW + 1 }).rows.map((r) => r.trackId)).toEqual([5, 4, 3]);
    await log.close();
  });

  it('sweeps snapshot files no event references at start, and the disk cap counts only referenced ones', async () => {
    const first = open();
    await first.record([event('violation', NOW, 1)], frame);
    const kept = readdirSync(first.snapshotsDir);
    const bytesBefore = logBytes(first.store, first.snapshotsDir);
    writeFileSync(join(first.snapshotsDir, 'orphan-after-crash.jpg'), Buffer.alloc(200_000));
    expect(logBytes(first.store, first.snapshotsDir)).toBe(bytesBefore);
    await first.close();
    const again = open();
    expect(readdirSync(again.snapshotsDir)).toEqual(kept);
    expect(logs.some((l) => /removed 1 snapshot files that no event references/.test(l))).toBe(true);
    await again.close();
  });

  it('deletes events and snapshots older than the retention period at start', async () => {
    const first = open();
    await first.record([event('violation', NOW - 40 * DAY, 1), event('violation', NOW - 10 * DAY, 2)], frame);
    expect(readdirSync(first.snapshotsDir)).toHaveLength(2);
    await first.close();
    const again = open();
    expect(again.store.page({ limit: 10 }).rows.map((r) => r.trackId)).toEqual([2]);
    expect(readdirSync(again.snapshotsDir)).toHaveLength(1);
    expect(logs.some((l) => /retention removed 1 expired events/.test(l))).toBe(true);
    await again.close();
  });

  it('removes a damaged log set aside once all it can hold has expired, and keeps a recent one', async () => {
    const aside = (stamp: string, lastWrite: number) => {
      for (const suffix of ['', '-wal']) {
        const file = join(dir, `violations.db.corrupt-${stamp}${suffix}`);
        writeFileSync(file, 'damaged');
        utimesSync(file, lastWrite / 1000, lastWrite / 1000);
      }
    };
    aside('2026-10-01T08-00-00-000Z', NOW - 57 * DAY);
    aside('2026-11-20T08-00-00-000Z', NOW - 7 * DAY);
    const log = open();
    expect(
      readdirSync(dir)
        .filter((f) => f.includes('corrupt'))
        .sort(),
    ).toEqual(['violations.db.corrupt-2026-11-20T08-00-00-000Z', 'violations.db.corrupt-2026-11-20T08-00-00-000Z-wal']);
    expect(logs.some((l) => /and 1 damaged logs set aside that had expired/.test(l))).toBe(true);
    await log.close();
  });

  it('trims the oldest snapshots first to stay under the disk cap, keeping the events', async () => {
    const log = open('face');
    for (let i = 0; i < 6; i++) await log.record([event('violation', NOW - (6 - i) * 60_000, i)], frame);
    const before = readdirSync(log.snapshotsDir).length;
    const perSnapshot = readFileSync(join(log.snapshotsDir, readdirSync(log.snapshotsDir)[0]!)).length;
    // A cap about three and a half snapshots below what the log takes now.
    const capMb = (logBytes(log.store, log.snapshotsDir) - 3.5 * perSnapshot) / (1024 * 1024);
    const result = applyRetention(log.store, log.snapshotsDir, { days: 30, maxMegabytes: capMb }, NOW);
    expect(result.trimmedSnapshots).toBeGreaterThanOrEqual(4);
    expect(result.bytes).toBeLessThanOrEqual(capMb * 1024 * 1024);
    expect(before).toBe(6);
    expect(log.store.count()).toBe(6);
    const kept = log.store.page({ limit: 10 }).rows;
    expect(kept.filter((r) => r.snapshot).length).toBeLessThan(6);
    // The newest keep their snapshots; the oldest lost theirs.
    expect(kept[0]!.snapshot).not.toBeNull();
    expect(kept.at(-1)!.snapshot).toBeNull();
    await log.close();
  });
});

describe('CSV export', () => {
  it('quotes per RFC 4180 and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-2')).toBe("'-2");
    expect(csvField(-2)).toBe('-2');
    expect(csvField(null)).toBe('');
    expect(csvField(true)).toBe('true');
  });

  it('defuses formulas behind whitespace or a line break, full-width signs, and quotes semicolons', () => {
    expect(csvField(' =1+1')).toBe("' =1+1");
    expect(csvField('\n=cmd')).toBe(`"'\n=cmd"`);
    expect(csvField('\t+1')).toBe(`'\t+1`);
    expect(csvField('\uFF1DSUM(A1)')).toBe(`'\uFF1DSUM(A1)`);
    expect(csvField('\uFF20x')).toBe(`'\uFF20x`);
    expect(csvField('a;b')).toBe('"a;b"');
    expect(csvField('no formula - here')).toBe('no formula - here');
  });

  it('writes a header and one CRLF row per event with local and UTC times', () => {
    const lines = [
      ...csvLines([
        {
          id: 3,
          at: Date.UTC(2026, 10, 27, 8, 5),
          tzOffsetMinutes: 60,
          trackId: 1,
          verdict: 'no_mask',
          confidence: 0.91234,
          modelId: 'm',
          cameraId: 'c',
          snapshot: null,
          reviewed: true,
          falsePositive: false,
          note: '=cmd|x',
        },
      ]),
    ];
    expect(lines).toEqual([
      'id,local_time,utc_time,verdict,confidence,model,camera,reviewed,false_positive,note,snapshot\r\n',
      "3,2026-11-27T09:05:00+01:00,2026-11-27T08:05:00.000Z,no_mask,0.9123,m,c,true,false,'=cmd|x,\r\n",
    ]);
  });
});

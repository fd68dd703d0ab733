// A disk that fills up for real: the kiosk's files on a small tmpfs of their own (a mount
// namespace, so nothing else on the machine sees it), filled to the last byte. What the kiosk
// records while it is full waits, in order, and is all written once space is freed; what staff
// save (settings, the PIN, an export) is refused whole with a message the screen can say, and the
// old files stay. Needs Linux, root and unshare (as the privacy
// test's network namespace does); elsewhere it skips with the reason.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, sample } from '../../helpers/paths';

// 1 MB: freed, it holds what waited only when it goes in one transaction; written row by row, the
// write-ahead log fills the freed space again before all are in.
const MOUNT = 'mount -t tmpfs -o size=1m tmpfs "$1" && shift && exec "$@"';

function smallDisk(): { available: true } | { available: false; reason: string } {
  if (process.platform !== 'linux') return { available: false, reason: 'mount namespaces are Linux only' };
  if (process.getuid?.() !== 0) return { available: false, reason: 'mounting a tmpfs needs root' };
  const probe = mkdtempSync(join(tmpdir(), 'full-disk-probe-'));
  try {
    const r = spawnSync('unshare', ['--mount', 'sh', '-c', MOUNT, 'sh', probe, 'true'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) return { available: false, reason: `unshare --mount failed: ${r.error?.message ?? r.stderr.trim()}` };
    return { available: true };
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const disk = smallDisk();
if (!disk.available) console.warn(`full-disk.test.ts skipped: ${disk.reason}`);
const scratch = mkdtempSync(join(tmpdir(), 'full-disk-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs a fixture of test/fixtures/full-disk with a fresh folder as the root of a 1 MB tmpfs; returns its JSON report. */
function onSmallDisk<Report = Record<string, unknown>>(fixture: string, ...args: string[]): Report {
  const dir = mkdtempSync(join(scratch, 'disk-'));
  const entry = join(REPO_ROOT, 'test', 'fixtures', 'full-disk', fixture);
  const run = spawnSync('unshare', ['--mount', 'sh', '-c', MOUNT, 'sh', dir, process.execPath, '--import', 'tsx', entry, dir, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Report;
}

/** What log-on-full-disk.ts reports. */
interface LogReport {
  recorded: number;
  whileFull: { rows: number; state: unknown };
  settingsError: string;
  settingsWhileFull: string;
  afterRoom: { rows: number; state: unknown; trackIds: number[]; perDay: unknown; snapshotsReferenced: string[]; snapshotFiles: string[] };
  logs: string[];
}

describe.skipIf(!disk.available)('a full disk', () => {
  it('keeps every violation recorded while the disk is full and writes them once there is room; settings stay whole', () => {
    const report = onSmallDisk<LogReport>('log-on-full-disk.ts', sample('test', 'without_mask', 1)[0]!.path);
    const n = report.recorded;

    // While full: nothing new in the database, everything waiting in memory, and the reason.
    expect(report.whileFull.rows).toBe(1);
    expect(report.whileFull.state).toEqual({ waiting: 2 * n, violationsWaiting: n, problem: 'database or disk is full' });
    expect(report.settingsError).toBe('ENOSPC');
    expect(report.settingsWhileFull).toBe('{"language": "de"}');

    // Space freed: every violation written in the order it happened, every check counted.
    expect(report.afterRoom.state).toEqual({ waiting: 0, violationsWaiting: 0, problem: null });
    expect(report.afterRoom.rows).toBe(n + 1);
    expect(report.afterRoom.trackIds).toEqual(Array.from({ length: n + 1 }, (_, i) => i));
    expect(report.afterRoom.perDay).toEqual([{ day: '2026-11-27', checks: 2 * n + 1, violations: n + 1 }]);
    // No face picture the log does not reference (the ones the full disk refused were never kept).
    expect(report.afterRoom.snapshotFiles).toEqual(report.afterRoom.snapshotsReferenced);
    expect(report.logs).toContain(`info violation log: writing again; ${2 * n} checks that waited (${n} violations) are written`);
  }, 90_000);

  it("refuses what staff save while it is full, says why in the staff's language, and keeps the old files", () => {
    const report = onSmallDisk('core-on-full-disk.ts');
    expect(report.firstPin).toEqual({ ok: true, value: null });
    expect(report.firstSave).toMatchObject({ ok: true });
    const refused = {
      ok: false,
      code: 'unavailable',
      notice: { code: 'not_saved', params: { detail: expect.stringMatching(/^ENOSPC: no space left on device/) } },
    };
    expect(report.saveWhileFull).toMatchObject(refused);
    expect(report.settingsUnchanged).toBe(true);
    expect(report.pinWhileFull).toMatchObject(refused);
    expect(report.pinUnchanged).toBe(true);
    expect(report.exportWhileFull).toMatchObject(refused);
    // Neither a half export nor a temporary file is left where the disk ran out.
    expect(report.exportLeft).toBe(false);
    expect(report.leftovers).toEqual([]);

    expect(report.saveWithRoom).toMatchObject({ ok: true });
    expect(report.languageSaved).toBe('fr');
    expect(report.exportWithRoom).toMatchObject({ ok: true, value: { rows: 0 } });
    expect(report.oldPinUnlocks).toMatchObject({ ok: true, value: { ok: true } });
  }, 90_000);
});

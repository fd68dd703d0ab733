import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppLog, ReportLimiter } from '../../../src/main/log/app-log';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'applog-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('app log', () => {
  it('appends timestamped lines, one per message, and tails them', () => {
    const log = new AppLog(dir, 1024 * 1024, 5, () => new Date('2026-11-27T10:00:00Z'));
    log.write('info', 'vision: model facemask-default; provider cpu');
    log.write('error', 'renderer: TypeError\n  at x');
    expect(log.tail(10)).toEqual([
      '2026-11-27T10:00:00.000Z INFO  vision: model facemask-default; provider cpu',
      '2026-11-27T10:00:00.000Z ERROR renderer: TypeError |   at x',
    ]);
  });

  it('rotates by size and keeps a bounded number of files', () => {
    const log = new AppLog(dir, 200, 3);
    for (let i = 0; i < 60; i++) log.write('info', `line ${i} ${'x'.repeat(40)}`);
    expect(readdirSync(dir).sort()).toEqual(['app.1.log', 'app.2.log', 'app.3.log', 'app.log']);
    expect(log.tail(1)[0]).toMatch(/line 59 /);
    expect(existsSync(join(dir, 'app.4.log'))).toBe(false);
  });
});

describe('report limiter', () => {
  it('lets 20 reports a minute through, sums up the rest, and starts afresh when the clock is set back', () => {
    const limiter = new ReportLimiter(20, 60_000);
    const t0 = Date.UTC(2026, 11, 1, 9);
    const answers = Array.from({ length: 25 }, (_, i) => limiter.admit(t0 + i * 100));
    expect(answers.slice(0, 20)).toEqual(Array(20).fill(0));
    expect(answers.slice(20)).toEqual(Array(5).fill(null));
    expect(limiter.admit(t0 + 61_000)).toBe(5);
    for (let i = 0; i < 25; i++) limiter.admit(t0 + 62_000 + i * 100);
    // A time sync sets the clock back an hour: the reports just before it no longer fill the window.
    expect(limiter.admit(t0 + 65_000 - 3_600_000)).toBe(6);
    expect(limiter.admit(t0 + 65_100 - 3_600_000)).toBe(0);
  });
});

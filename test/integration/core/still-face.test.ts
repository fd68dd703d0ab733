// A face on a poster in the camera's view, through the kiosk's core as the app runs it (the vision
// engine with the shipped models, the tracker, the violation log, the app log), on a clock the
// test moves: one alarm at first, and once the face has not moved for 30 s it is no longer judged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceEvent } from '../../../src/main/compliance/tracker';
import type { KioskCore } from '../../../src/main/core/core';
import { startCore } from '../../helpers/core';
import { sample } from '../../helpers/paths';
import { rgbaFrame } from '../../helpers/vision';

const T0 = Date.UTC(2026, 11, 1, 9);
let clock = T0;
let dir: string;
let core: KioskCore;
const logs: string[] = [];
const events: ComplianceEvent[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'core-still-'));
  core = await startCore(dir, {
    now: () => clock,
    log: (level, m) => logs.push(`${level} ${m}`),
    onEvents: (e) => events.push(...e),
  });
  expect(await core.dispatch('admin:setPin', [{ pin: '7391' }])).toEqual({ ok: true, value: null });
}, 60_000);
afterAll(async () => {
  await core.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** A bare face on a poster on the lobby's wall, as a 640 x 480 camera frame sees it. */
async function posterFrame(): Promise<{ width: number; height: number; data: Uint8Array }> {
  const [row] = sample('test', 'without_mask', 1);
  const poster = await sharp(row!.path).resize(220, 220, { fit: 'inside' }).toBuffer();
  return rgbaFrame(
    sharp({ create: { width: 640, height: 480, channels: 3, background: '#c9c2b6' } }).composite([{ input: poster, left: 60, top: 90 }]),
  );
}

describe('a face on a poster', () => {
  it('alarms once, and after 30 s unmoved is taken for a picture: the screen is free and nothing more is logged', async () => {
    const frame = await posterFrame();
    const states: string[] = [];
    // Two frames a second for 40 s, a gap of 3 s as a passer-by hides it (past the 4 s cooldown
    // counted from the alarm long ago), then 10 s more.
    for (let i = 0; i < 106; i++) {
      clock = T0 + i * 500 + (i >= 80 ? 3_000 : 0);
      const r = await core.dispatch('frame:analyze', [frame]);
      expect(r.ok).toBe(true);
      states.push((r as { value: { state: string } }).value.state);
    }
    expect(states.slice(2, 58)).toContain('violation');
    expect(new Set(states.slice(2, 58))).toEqual(new Set(['violation']));
    expect(new Set(states.slice(62))).toEqual(new Set(['idle']));
    expect(events.map((e) => e.kind)).toEqual(['violation']);
    expect(logs.filter((l) => /^info compliance: a face has not moved for 30 s .*taken for a picture/.test(l))).toHaveLength(1);
  }, 120_000);
});

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

/** A bare face on a poster on the lobby's wall, as a 640 x 480 camera frame sees it; hidden, a passer-by stands in front. */
async function posterFrame(hidden = false): Promise<{ width: number; height: number; data: Uint8Array }> {
  const [row] = sample('test', 'without_mask', 1);
  const poster = await sharp(row!.path).resize(220, 220, { fit: 'inside' }).toBuffer();
  const passerBy = await sharp({ create: { width: 260, height: 480, channels: 3, background: '#3b4250' } })
    .png()
    .toBuffer();
  const layers = [{ input: poster, left: 60, top: 90 }, ...(hidden ? [{ input: passerBy, left: 40, top: 0 }] : [])];
  return rgbaFrame(sharp({ create: { width: 640, height: 480, channels: 3, background: '#c9c2b6' } }).composite(layers));
}

describe('a face on a poster', () => {
  it('alarms once, and after 30 s unmoved is taken for a picture: the screen is free and nothing more is logged', async () => {
    const [frame, hidden] = [await posterFrame(), await posterFrame(true)];
    const states: string[] = [];
    // Two frames a second: 40 s of the poster, 3 s with a passer-by in front of it (past the 4 s
    // cooldown counted from the alarm long ago), then 10 s of the poster again.
    for (let i = 0; i < 106; i++) {
      clock = T0 + i * 500;
      const r = await core.dispatch('frame:analyze', [i >= 80 && i < 86 ? hidden : frame]);
      expect(r.ok).toBe(true);
      states.push((r as { value: { state: string } }).value.state);
    }
    expect(new Set(states.slice(2, 58))).toEqual(new Set(['violation']));
    expect(new Set(states.slice(62))).toEqual(new Set(['idle']));
    expect(events.map((e) => e.kind)).toEqual(['violation']);
    expect(logs.filter((l) => /^info compliance: a face has not moved for 30 s .*taken for a picture/.test(l))).toHaveLength(1);
  }, 120_000);
});

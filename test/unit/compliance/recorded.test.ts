// The tracker on recorded pipeline outputs (scripts/record-sequence.ts): real BlazeFace boxes and
// keypoints and real classifier probabilities for a person walking up to the camera.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ComplianceStatus, ComplianceTracker, type FaceObservation } from '../../../src/main/compliance/tracker';
import { REPO_ROOT } from '../../helpers/paths';

interface Recording {
  frameWidth: number;
  frameHeight: number;
  frames: { t: number; faces: FaceObservation[] }[];
}
const load = (name: string): Recording =>
  JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/sequences', `${name}.json`), 'utf8')) as Recording;
const bare = load('approach-no-mask');
const masked = load('approach-mask');
const T0 = Date.UTC(2026, 10, 27, 9);

function replay(
  tracker: ComplianceTracker,
  rec: Recording,
  start: number,
  transform = (f: FaceObservation[], _i: number) => f,
): ComplianceStatus[] {
  return rec.frames.map((frame, i) =>
    tracker.update(transform(frame.faces, i), { width: rec.frameWidth, height: rec.frameHeight }, start + frame.t),
  );
}
const firstFace = (rec: Recording): number => rec.frames.findIndex((f) => f.faces.length > 0);

describe('compliance tracker on recorded pipeline output', () => {
  it('settles on violation within half a second of the person arriving close enough, with one event', () => {
    const tracker = new ComplianceTracker();
    const s = replay(tracker, bare, T0);
    expect(s[0]!.state).toBe('idle');
    const close = bare.frames.findIndex(
      (f) => f.faces.length > 0 && f.faces[0]!.box.width >= tracker.options.minFaceWidth * bare.frameWidth,
    );
    expect(close).toBeGreaterThanOrEqual(firstFace(bare));
    const appear = bare.frames[close]!.t;
    const settled = s.findIndex((x) => x.state === 'violation');
    expect(bare.frames[settled]!.t - appear).toBeLessThanOrEqual(500);
    expect(s.slice(settled).every((x) => x.state === 'violation' && x.tracks.length === 1)).toBe(true);
    expect(s.flatMap((x) => x.events).map((e) => e.kind)).toEqual(['violation']);
  });

  it('goes compliant for the masked person, with one event', () => {
    const s = replay(new ComplianceTracker(), masked, T0);
    expect(s.at(-1)!.state).toBe('compliant');
    expect(s.flatMap((x) => x.events).map((e) => e.kind)).toEqual(['compliant']);
  });

  it('plays a visit without a mask, an empty lobby, then a visit with a mask', () => {
    const tracker = new ComplianceTracker();
    const first = replay(tracker, bare, T0);
    const afterFirst = T0 + bare.frames.at(-1)!.t + 67;
    const empty = Array.from({ length: 30 }, (_, i) => tracker.update([], { width: 640, height: 480 }, afterFirst + i * 67));
    const second = replay(tracker, masked, afterFirst + 30 * 67);
    // While still far, the walker is asked to come closer (guidance) or being checked.
    const states = [...first, ...empty, ...second]
      .map((x) => x.state)
      .filter((st) => st !== 'guidance')
      .filter((st, i, all) => i === 0 || st !== all[i - 1]);
    expect(states).toEqual(['idle', 'checking', 'violation', 'idle', 'checking', 'compliant']);
    expect([...first, ...empty, ...second].flatMap((x) => x.events).map((e) => e.kind)).toEqual(['violation', 'compliant']);
  });

  it('keeps one track and one event when the detector misses every third frame', () => {
    const s = replay(new ComplianceTracker(), bare, T0, (faces, i) => (i % 3 === 2 ? [] : faces));
    expect(new Set(s.flatMap((x) => x.tracks.map((t) => t.id))).size).toBe(1);
    expect(s.flatMap((x) => x.events)).toHaveLength(1);
  });
});

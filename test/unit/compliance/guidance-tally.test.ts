import { describe, expect, it } from 'vitest';
import { GuidanceTally } from '../../../src/main/compliance/guidance-tally';
import { type ComplianceStatus, ComplianceTracker, type FaceObservation } from '../../../src/main/compliance/tracker';
import { frontalFace } from '../../helpers/faces';

const FRAME = { width: 640, height: 480 };
const T0 = 1_700_000_000_000;

/** Plays frames at 15 fps through the real tracker and the tally; returns what each frame counted. */
function tallied(frames: FaceObservation[][]): { asked: string[][]; statuses: ComplianceStatus[] } {
  const tracker = new ComplianceTracker();
  const tally = new GuidanceTally();
  const statuses = frames.map((faces, i) => tracker.update(faces, FRAME, T0 + Math.round((i * 1000) / 15)));
  return { asked: statuses.map((s) => tally.note(s)), statuses };
}
const repeat = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('guidance tally', () => {
  it('counts a person asked to step closer once, however long they are asked', () => {
    // 60 px of 640: too small to judge, for 2 s.
    const { asked, statuses } = tallied(repeat(30, () => [frontalFace(0.9, { x: 300, y: 200, width: 60 })]));
    expect(statuses.at(-1)!.guidance).toBe('step_closer');
    expect(asked.flat()).toEqual(['step_closer']);
    // Counted when the screen first asks it, not before (guidance waits out a blink of a bad view).
    const first = asked.findIndex((a) => a.length > 0);
    expect(statuses[first]!.guidance).toBe('step_closer');
    expect(statuses[first - 1]!.guidance).toBeNull();
  });

  it('counts nobody who was judged without being asked anything', () => {
    const { asked, statuses } = tallied(repeat(30, () => [frontalFace(0.99, { x: 250, y: 150, width: 160 })]));
    expect(statuses.at(-1)!.state).toBe('compliant');
    expect(asked.flat()).toEqual([]);
  });

  it('counts nothing for a passer-by too far away behind a visitor the screen is judging', () => {
    const visitor = frontalFace(0.99, { x: 250, y: 150, width: 160 });
    const passerBy = frontalFace(0.9, { x: 40, y: 60, width: 60 });
    const { asked, statuses } = tallied(repeat(30, () => [visitor, passerBy]));
    expect(statuses.at(-1)!.tracks.map((t) => t.guidance)).toContain('step_closer');
    expect(statuses.at(-1)!.state).toBe('compliant');
    expect(asked.flat()).toEqual([]);
  });

  it('counts two people once each, and a person who leaves and comes back again', () => {
    const far = (x: number) => frontalFace(0.9, { x, y: 200, width: 60 });
    const frames = [
      ...repeat(20, () => [far(100), far(450)]),
      ...repeat(15, () => []), // both gone for a second, past the tracker's memory of them
      ...repeat(20, () => [far(100)]),
    ];
    expect(tallied(frames).asked.flat()).toEqual(['step_closer', 'step_closer', 'step_closer']);
  });
});

import { describe, expect, it } from 'vitest';
import {
  type ComplianceStatus,
  ComplianceTracker,
  DEFAULT_TRACKER_OPTIONS,
  type FaceObservation,
  viewProblem,
} from '../../../src/main/compliance/tracker';
import { frontalFace } from '../../helpers/faces';

const FRAME = { width: 640, height: 480 };
const T0 = 1_700_000_000_000;

/** A frontal face at (x, y) of the given width, as the pipeline reports it. */
function face(pMask: number, x = 250, y = 150, width = 140, extra: Partial<FaceObservation> = {}): FaceObservation {
  return frontalFace(pMask, { x, y, width, ...extra });
}

/** Plays frames at 15 fps: each entry is the faces of one frame. */
function play(tracker: ComplianceTracker, frames: FaceObservation[][], start = T0, fps = 15): ComplianceStatus[] {
  return frames.map((faces, i) => tracker.update(faces, FRAME, start + Math.round((i * 1000) / fps)));
}
const repeat = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const events = (statuses: ComplianceStatus[]) => statuses.flatMap((s) => s.events);

describe('compliance tracker', () => {
  it('is idle with nobody there', () => {
    const s = play(
      new ComplianceTracker(),
      repeat(5, () => []),
    );
    expect(s.every((x) => x.state === 'idle' && x.tracks.length === 0)).toBe(true);
  });

  it('checks first, then settles on violation within half a second, with one event', () => {
    const s = play(
      new ComplianceTracker(),
      repeat(30, () => [face(0.05)]),
    );
    expect(s[0]!.state).toBe('checking');
    const settled = s.findIndex((x) => x.state === 'violation');
    expect(settled).toBeGreaterThan(0);
    expect((settled * 1000) / 15).toBeLessThanOrEqual(500);
    expect(s.slice(settled).every((x) => x.state === 'violation')).toBe(true);
    expect(events(s)).toEqual([expect.objectContaining({ kind: 'violation', trackId: 1, confidence: expect.closeTo(0.95, 2) })]);
  });

  it('goes compliant for a mask, with one compliant event', () => {
    const s = play(
      new ComplianceTracker(),
      repeat(20, () => [face(0.97)]),
    );
    expect(s.at(-1)!.state).toBe('compliant');
    expect(events(s).map((e) => e.kind)).toEqual(['compliant']);
  });

  it('thanks a mask only once it has stayed over the line for confirmPassMs, and refuses without that wait', () => {
    const o = DEFAULT_TRACKER_OPTIONS;
    const masked = play(
      new ComplianceTracker(),
      repeat(20, () => [face(0.97)]),
    );
    const thanked = masked.findIndex((x) => x.state === 'compliant');
    expect((thanked * 1000) / 15).toBeGreaterThanOrEqual(o.confirmPassMs);
    expect((thanked * 1000) / 15).toBeLessThan(o.confirmPassMs + 100);
    // An unsure face that crosses the line for a frame at a time is never thanked: it stays
    // checking, then is asked to hold still.
    const unsure = play(
      new ComplianceTracker(),
      repeat(30, (i) => [face(i % 4 === 3 ? 0.95 : 0.6)]),
    );
    expect(unsure.some((x) => x.state === 'compliant')).toBe(false);
    const bare = play(
      new ComplianceTracker(),
      repeat(20, () => [face(0.03)]),
    );
    expect((bare.findIndex((x) => x.state === 'violation') * 1000) / 15).toBeLessThanOrEqual(o.minDwellMs + 70);
  });

  it('does not flicker or repeat alarms for a face hovering at the threshold', () => {
    // Alternating 0.2 / 0.8 for 3 s: the raw classifier flips every frame.
    const s = play(
      new ComplianceTracker(),
      repeat(45, (i) => [face(i % 2 ? 0.8 : 0.2)]),
    );
    const states = s.map((x) => x.state);
    const changes = states.filter((st, i) => i > 0 && st !== states[i - 1]).length;
    expect(changes).toBeLessThanOrEqual(1);
    expect(events(s).length).toBeLessThanOrEqual(1);
  });

  it('asks a person left between the lines to hold still after 1.2 s, instead of "checking" on and on', () => {
    const t = new ComplianceTracker();
    const statuses = play(
      t,
      repeat(30, () => [face(0.5)]),
    );
    const at = (ms: number) => statuses[Math.round((ms * 15) / 1000)]!;
    expect(at(600).state).toBe('checking');
    expect(at(1000).state).toBe('checking');
    expect(at(1300)).toMatchObject({ state: 'guidance', guidance: 'hold_still' });
    expect(events(statuses)).toEqual([]);
    // Once the verdict comes, the hint goes.
    const later = play(
      t,
      repeat(10, () => [face(0.95)]),
      T0 + 2000,
    );
    expect(later.at(-1)!.state).toBe('compliant');
    expect(later.at(-1)!.guidance).toBeNull();
  });

  it('holds its verdict through single-frame outliers (hysteresis)', () => {
    const frames = [
      ...repeat(15, () => [face(0.05)]),
      [face(0.9)],
      ...repeat(10, () => [face(0.1)]),
      [face(0.6)],
      ...repeat(5, () => [face(0.1)]),
    ];
    const s = play(new ComplianceTracker(), frames);
    const first = s.findIndex((x) => x.state === 'violation');
    expect(s.slice(first).every((x) => x.state === 'violation')).toBe(true);
    expect(events(s)).toHaveLength(1);
  });

  it('turns compliant when the person puts a mask on, still with one violation event', () => {
    const s = play(new ComplianceTracker(), [...repeat(15, () => [face(0.05)]), ...repeat(20, () => [face(0.95)])]);
    expect(s.at(-1)!.state).toBe('compliant');
    expect(events(s).map((e) => e.kind)).toEqual(['violation', 'compliant']);
  });

  it('follows a person walking across the frame as one track', () => {
    const s = play(
      new ComplianceTracker(),
      repeat(30, (i) => [face(0.05, 100 + i * 8)]),
    );
    expect(new Set(s.flatMap((x) => x.tracks.map((t) => t.id)))).toEqual(new Set([1]));
    expect(events(s)).toHaveLength(1);
  });

  it('does not repeat the alarm for a person lost for a moment and found again', () => {
    const tracker = new ComplianceTracker();
    const s = play(tracker, [...repeat(10, () => [face(0.05)]), ...repeat(15, () => []), ...repeat(10, () => [face(0.05, 255)])]);
    expect(s[15]!.state).toBe('idle');
    expect(events(s)).toHaveLength(1);
  });

  it('alarms again for the next person after the cooldown', () => {
    const tracker = new ComplianceTracker();
    const gap = Math.ceil((DEFAULT_TRACKER_OPTIONS.cooldownMs / 1000) * 15) + 15;
    const s = play(tracker, [...repeat(10, () => [face(0.05)]), ...repeat(gap, () => []), ...repeat(10, () => [face(0.05)])]);
    expect(events(s).map((e) => e.trackId)).toEqual([1, 2]);
  });

  it("alarms for the next person after the cooldown when the wall clock is set back meanwhile, at the clock's new time", () => {
    const tracker = new ComplianceTracker();
    const gap = Math.ceil((DEFAULT_TRACKER_OPTIONS.cooldownMs / 1000) * 15) + 15;
    const first = play(tracker, [...repeat(10, () => [face(0.05)]), ...repeat(15, () => [])]);
    expect(events(first)).toHaveLength(1);
    // A time sync sets the clock back an hour; nobody for the cooldown, then the next bare face.
    const back = T0 - 3_600_000;
    const second = play(tracker, [...repeat(gap, () => []), ...repeat(10, () => [face(0.05)])], back);
    expect(second.at(-1)!.state).toBe('violation');
    expect(events(second)).toEqual([expect.objectContaining({ kind: 'violation', verdict: 'no_mask', trackId: 2 })]);
    const at = events(second)[0]!.at;
    expect(at).toBeGreaterThan(back);
    expect(at).toBeLessThan(back + ((gap + 10) * 1000) / 15);
    // And the person leaves as anyone does.
    expect(
      play(
        tracker,
        repeat(15, () => []),
        at + 1000,
      ).at(-1)!.state,
    ).toBe('idle');
  });

  it('shows the worst state with several people and a box for each', () => {
    const s = play(
      new ComplianceTracker(),
      repeat(15, () => [face(0.97, 40, 150, 120), face(0.03, 400, 150, 120)]),
    );
    const last = s.at(-1)!;
    expect(last.state).toBe('violation');
    expect(last.tracks.map((t) => t.state).sort()).toEqual(['compliant', 'violation']);
    expect(
      events(s)
        .map((e) => e.kind)
        .sort(),
    ).toEqual(['compliant', 'violation']);
  });

  it('keeps thanking the visitor in front while a passer-by far behind is too small to judge', () => {
    const s = play(new ComplianceTracker(), [
      ...repeat(10, () => [face(0.97, 250, 150, 140)]),
      ...repeat(15, (i) => [face(0.97, 250, 150, 140), face(0.5, 40 + i * 4, 60, 40)]),
    ]);
    expect(s[9]!.state).toBe('compliant');
    expect(s.slice(10).map((x) => x.state)).toEqual(repeat(15, () => 'compliant'));
    expect(s.at(-1)!.tracks.map((t) => [t.state, t.guidance])).toEqual([
      ['compliant', null],
      ['guidance', 'step_closer'],
    ]);
  });

  it('holds back a thank-you while another person at the kiosk is still checked or asked to face the camera', () => {
    // They might take it for theirs: the costly mistake is thanking a bare face.
    const turned = face(0.5, 400, 150, 120);
    turned.keypoints.noseTip.x = turned.keypoints.leftEye.x + 40;
    const s = play(new ComplianceTracker(), [
      ...repeat(10, () => [face(0.97, 40, 150, 120)]),
      ...repeat(15, () => [face(0.97, 40, 150, 120), turned]),
    ]);
    expect(s[9]!.state).toBe('compliant');
    expect(s[10]!.state).toBe('checking');
    expect(s.at(-1)).toMatchObject({ state: 'guidance', guidance: 'face_camera' });
  });

  it('asks a distant person to step closer, and only after the view stays bad', () => {
    const s = play(
      new ComplianceTracker(),
      repeat(15, () => [face(0.05, 300, 200, 30)]),
    );
    expect(s[0]!.state).toBe('checking');
    expect(s.at(-1)).toMatchObject({ state: 'guidance', guidance: 'step_closer' });
    expect(events(s)).toHaveLength(0);
  });

  it('judges a person who steps closer', () => {
    const s = play(new ComplianceTracker(), [
      ...repeat(10, (i) => [face(0.05, 300 - i * 5, 200 - i * 3, 30 + i * 6)]),
      ...repeat(15, () => [face(0.05, 250, 170, 140)]),
    ]);
    expect(s.at(-1)!.state).toBe('violation');
    expect(events(s)).toHaveLength(1);
  });

  it('says "pull your mask up" for a mask below the nose: a violation of its own kind, one event', () => {
    const below = (pMask: number, pIncorrect: number) => face(pMask, 250, 150, 140, { pIncorrect });
    const s = play(
      new ComplianceTracker(),
      repeat(20, () => [below(0.05, 0.85)]),
    );
    expect(s.at(-1)!.state).toBe('incorrect');
    expect(s.at(-1)!.tracks[0]).toMatchObject({ state: 'incorrect' });
    expect(events(s)).toEqual([expect.objectContaining({ kind: 'violation', verdict: 'incorrect' })]);
  });

  it('waits to thank a mask while the nose check keeps seeing the nose, so a later "pull it up" is the first word', () => {
    const { undecidedGuidanceMs } = DEFAULT_TRACKER_OPTIONS;
    // A real mask just below the nose, as recorded: called a mask, the nose in view just under the
    // check's own threshold for the first looks, then over it (the pipeline moves the mask's
    // probability to "incorrect"). Each reading carries the check's line for holding a thank-you.
    const check = { noseDoubtAt: 0.9 };
    const doubtful = face(0.85, 250, 150, 140, { noseUncovered: 0.93, ...check });
    const caught = face(0, 250, 150, 140, { pIncorrect: 0.85, noseUncovered: 0.99, ...check });
    const frames = [...repeat(8, () => [doubtful]), ...repeat(12, () => [caught])];
    const s = play(new ComplianceTracker(), frames);
    expect(s.some((x) => x.state === 'compliant')).toBe(false);
    expect(s.at(-1)!.state).toBe('incorrect');
    expect(events(s)).toEqual([expect.objectContaining({ kind: 'violation', verdict: 'incorrect' })]);
    // Without the wait the same person is thanked first: a line over the readings, whether the
    // check names it or a replay tries it.
    const laxCheck = frames.map(([f]) => [{ ...f!, noseDoubtAt: 0.95 }]);
    expect(events(play(new ComplianceTracker(), laxCheck)).map((e) => e.kind)).toEqual(['compliant', 'violation']);
    const hasty = play(new ComplianceTracker({ noseDoubtAt: 1.01 }), frames);
    expect(events(hasty).map((e) => e.kind)).toEqual(['compliant', 'violation']);
    // Doubt that lasts gets the person asked to hold still, not thanked.
    const held = play(
      new ComplianceTracker(),
      repeat(30, () => [doubtful]),
    );
    expect(held.some((x) => x.state === 'compliant')).toBe(false);
    expect(held[Math.ceil((undecidedGuidanceMs * 15) / 1000)]!.guidance).toBe('hold_still');
  });

  it('thanks a mask as soon as before when the nose check sees the nose covered, or once a doubt clears', () => {
    const firstThanks = (frames: FaceObservation[][]) => play(new ComplianceTracker(), frames).findIndex((x) => x.state === 'compliant');
    const unchecked = firstThanks(repeat(20, () => [face(0.9)]));
    const check = { noseDoubtAt: 0.9 };
    expect(firstThanks(repeat(20, () => [face(0.9, 250, 150, 140, { noseUncovered: 0.05, ...check })]))).toBe(unchecked);
    const cleared = firstThanks([
      ...repeat(3, () => [face(0.9, 250, 150, 140, { noseUncovered: 0.95, ...check })]),
      ...repeat(17, () => [face(0.9, 250, 150, 140, { noseUncovered: 0.05, ...check })]),
    ]);
    expect(cleared).toBeGreaterThan(unchecked);
    expect((cleared * 1000) / 15).toBeLessThan(800);
  });

  it('tells no mask from a mask below the nose without flickering between the two', () => {
    // The two non-compliant classes trade places frame by frame, within the kind margin.
    const s = play(
      new ComplianceTracker(),
      repeat(45, (i) => [face(0.04, 250, 150, 140, { pIncorrect: i % 2 ? 0.55 : 0.41 })]),
    );
    const states = s.map((x) => x.state).filter((st) => st !== 'checking');
    expect(new Set(states).size).toBe(1);
    expect(events(s)).toHaveLength(1);
  });

  it('moves from "no mask" to "pull it up" when a person puts a mask on below the nose, without a second alarm', () => {
    const s = play(new ComplianceTracker(), [
      ...repeat(15, () => [face(0.03)]),
      ...repeat(20, () => [face(0.05, 250, 150, 140, { pIncorrect: 0.9 })]),
    ]);
    expect(s[14]!.state).toBe('violation');
    expect(s.at(-1)!.state).toBe('incorrect');
    expect(events(s).map((e) => [e.kind, e.verdict])).toEqual([['violation', 'no_mask']]);
  });

  it('treats a mask below the nose as a reminder only when the facility turns that off', () => {
    const s = play(
      new ComplianceTracker({ incorrectIsViolation: false }),
      repeat(20, () => [face(0.1, 250, 150, 140, { pIncorrect: 0.85 })]),
    );
    expect(s.at(-1)!.state).toBe('incorrect');
    expect(events(s)).toEqual([expect.objectContaining({ kind: 'compliant', verdict: 'incorrect' })]);
    // A bare face is still a violation.
    const bare = play(
      new ComplianceTracker({ incorrectIsViolation: false }),
      repeat(20, () => [face(0.05, 250, 150, 140, { pIncorrect: 0.05 })]),
    );
    expect(events(bare)).toEqual([expect.objectContaining({ kind: 'violation', verdict: 'no_mask' })]);
  });

  it('works unchanged with a two-class model (no incorrect probability)', () => {
    const s = play(
      new ComplianceTracker(),
      repeat(20, () => [face(0.05)]),
    );
    expect(s.at(-1)!.state).toBe('violation');
    expect(events(s)).toEqual([expect.objectContaining({ kind: 'violation', verdict: 'no_mask' })]);
    const ok = play(
      new ComplianceTracker(),
      repeat(20, () => [face(0.95)]),
    );
    expect(events(ok)).toEqual([expect.objectContaining({ kind: 'compliant', verdict: 'mask' })]);
  });

  it('names turned-away and dark faces, and faces cut off by the bottom of the frame', () => {
    const turned = face(0.5);
    turned.keypoints.noseTip.x = turned.keypoints.leftEye.x + 40;
    expect(viewProblem(turned, FRAME, DEFAULT_TRACKER_OPTIONS)).toBe('face_camera');
    expect(viewProblem(face(0.5, 250, 150, 140, { brightness: 0.05 }), FRAME, DEFAULT_TRACKER_OPTIONS)).toBe('too_dark');
    expect(viewProblem(face(0.5), FRAME, DEFAULT_TRACKER_OPTIONS)).toBeNull();
    // A 140 px box: its bottom 28 px (the chin) may reach past the edge, not more.
    expect(viewProblem(face(0.99, 250, FRAME.height - 140 + 28), FRAME, DEFAULT_TRACKER_OPTIONS)).toBeNull();
    expect(viewProblem(face(0.99, 250, FRAME.height - 140 + 29), FRAME, DEFAULT_TRACKER_OPTIONS)).toBe('step_back');
    // Past a side or the top it is judged as it is.
    expect(viewProblem(face(0.99, FRAME.width - 70, 150), FRAME, DEFAULT_TRACKER_OPTIONS)).toBeNull();
    expect(viewProblem(face(0.99, 250, -70), FRAME, DEFAULT_TRACKER_OPTIONS)).toBeNull();
  });

  it('asks a face cut off at the chin to step back and judges it once it has', () => {
    const low = face(0.99, 250, 400);
    const s = play(new ComplianceTracker(), [...repeat(10, () => [low]), ...repeat(10, () => [face(0.99, 250, 300)])]);
    expect(s[9]).toMatchObject({ state: 'guidance', guidance: 'step_back' });
    expect(events(s.slice(0, 10))).toEqual([]);
    expect(s.at(-1)!.state).toBe('compliant');
  });
});

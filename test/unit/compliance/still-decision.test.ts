import { describe, expect, it } from 'vitest';
import { decideStill, outcomeShares } from '../../../src/main/compliance/still-decision';
import { DEFAULT_TRACKER_OPTIONS, type FaceObservation } from '../../../src/main/compliance/tracker';
import { frontalFace } from '../../helpers/faces';

const W = { width: 640, height: 480 };
const face = (pMask: number, pIncorrect = 0, extra: Partial<FaceObservation> = {}): FaceObservation =>
  frontalFace(pMask, { pIncorrect, ...extra });

describe('one view at the kiosk line', () => {
  const o = DEFAULT_TRACKER_OPTIONS;
  it('passes at the compliance line, refuses at the violation line, and waits between', () => {
    expect(decideStill(face(0.7), W, o)).toBe('pass');
    expect(decideStill(face(0.69), W, o)).toBe('undecided');
    expect(decideStill(face(0.31), W, o)).toBe('undecided');
    expect(decideStill(face(0.3), W, o)).toBe('refuse');
    expect(decideStill(undefined, W, o)).toBe('no_face');
  });

  it('asks to pull the mask up when below the nose is likelier than bare, and passes it as a reminder only when set so', () => {
    expect(decideStill(face(0.1, 0.6), W, o)).toBe('pull_up');
    expect(decideStill(face(0.1, 0.3), W, o)).toBe('refuse');
    expect(decideStill(face(0.1, 0.8), W, { ...o, incorrectIsViolation: false })).toBe('pull_up');
    expect(decideStill(face(0.75, 0.1), W, { ...o, incorrectIsViolation: false })).toBe('pass');
  });

  it('gives guidance for a view the tracker would not judge: cut off, too small, too dark', () => {
    expect(decideStill(face(0.99, 0, { box: { x: 250, y: 400, width: 140, height: 140 } }), W, o)).toBe('guidance');
    expect(decideStill(face(0.99, 0, { box: { x: 0, y: 0, width: 60, height: 60 } }), W, o)).toBe('guidance');
    expect(decideStill(face(0.99, 0, { brightness: 0.05 }), W, o)).toBe('guidance');
  });

  it('counts shares over every outcome', () => {
    expect(outcomeShares(['pass', 'pass', 'refuse', 'no_face'])).toEqual({
      pass: 0.5,
      refuse: 0.25,
      pull_up: 0,
      guidance: 0,
      undecided: 0,
      no_face: 0.25,
    });
  });
});

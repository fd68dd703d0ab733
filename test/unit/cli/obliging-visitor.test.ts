// A visitor who steps closer when the screen asks: the steps it takes, and when, from the faces
// the kiosk found in each frame (synthetic observations; the tracker is the real one).
import { describe, expect, it } from 'vitest';
import { ObligingVisitor, STEP } from '../../../src/cli/obliging-visitor';
import type { FaceObservation } from '../../../src/main/compliance/tracker';

/** A frontal masked face `width` px wide in the middle of a 640 x 480 frame. */
function face(width: number): FaceObservation {
  const x = 320 - width / 2;
  const y = 240 - width / 2;
  const at = (fx: number, fy: number) => ({ x: x + fx * width, y: y + fy * width });
  return {
    box: { x, y, width, height: width },
    keypoints: {
      rightEye: at(0.3, 0.3),
      leftEye: at(0.7, 0.3),
      noseTip: at(0.5, 0.5),
      mouth: at(0.5, 0.7),
      rightEar: at(0.05, 0.35),
      leftEar: at(0.95, 0.35),
    },
    pMask: 0.95,
    pIncorrect: 0,
    brightness: 0.5,
  };
}

/** Shows the visitor, who arrives at frame `arrivesAt`, `n` frames at 15 fps; `width(nearness)` is the face's width. */
function visit(n: number, width: (nearness: number) => number, arrivesAt = 0): { visitor: ObligingVisitor; nearness: number[] } {
  const visitor = new ObligingVisitor(15, arrivesAt);
  const nearness: number[] = [];
  for (let i = 0; i < n; i++) {
    nearness.push(visitor.nearnessAt(i));
    visitor.see(i, { ms: Math.round((i * 1000) / 15), width: 640, height: 480, faces: [face(width(nearness[i]!))] });
  }
  return { visitor, nearness };
}

describe('a visitor who follows the screen', () => {
  it('stays put while the face is large enough to judge', () => {
    const { visitor, nearness } = visit(30, () => 200);
    expect(new Set(nearness)).toEqual(new Set([1]));
    expect(visitor.addedFrames).toBe(0);
  });

  it('takes one step once asked to step closer, and stops when the face can be judged', () => {
    // 90 px: under the kiosk's 16 % of 640; a third larger, 120 px, is over it.
    const { visitor, nearness } = visit(45, (n) => 90 * n);
    const start = nearness.findIndex((n) => n > 1);
    // The request shows after 0.4 s of views too small to judge (frame 6 at 15 fps); the step
    // starts on the next frame and takes 0.6 s.
    expect(start).toBe(7);
    const stepFrames = Math.round(15 * STEP.seconds);
    for (let i = start; i < start + stepFrames - 1; i++) expect(nearness[i + 1]!).toBeGreaterThan(nearness[i]!);
    expect(nearness[start + stepFrames - 1]).toBeCloseTo(STEP.growth, 6);
    expect(nearness.at(-1)).toBeCloseTo(STEP.growth, 6);
    expect(visitor.addedFrames).toBe(stepFrames);
  });

  it('steps again while still asked, up to three steps', () => {
    const { visitor, nearness } = visit(80, (n) => 20 * n);
    expect(nearness.at(-1)).toBeCloseTo(STEP.growth ** STEP.most, 6);
    expect(visitor.addedFrames).toBe(STEP.most * Math.round(15 * STEP.seconds));
  });

  it('walking up, answers "step closer" only once arrived', () => {
    // Asked from frame 6 on, as above, but still approaching until frame 22.
    const { visitor, nearness } = visit(45, (n) => 90 * n, 22);
    expect(nearness.findIndex((n) => n > 1)).toBe(23);
    expect(nearness.at(-1)).toBeCloseTo(STEP.growth, 6);
    expect(visitor.addedFrames).toBe(Math.round(15 * STEP.seconds));
  });
});

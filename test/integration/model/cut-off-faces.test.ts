// Faces the frame's bottom edge cuts off: someone short standing close to a camera set for adults.
// The classifier sees black where the lower face should be, and black reads as a mask, so the
// kiosk must ask such a person to step back rather than judge what it cannot see.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observationOf } from '../../../src/main/compliance/frame-handler';
import { decideStill, type KioskOutcome } from '../../../src/main/compliance/still-decision';
import { DEFAULT_TRACKER_OPTIONS } from '../../../src/main/compliance/tracker';
import { type FaceResult, VisionPipeline } from '../../../src/main/vision/pipeline';
import { DETECTOR_DIR, REPO_ROOT, sample } from '../../helpers/paths';
import { cameraFrame, raisedView } from '../../helpers/vision';

let pipeline: VisionPipeline;
beforeAll(async () => {
  pipeline = await VisionPipeline.load({
    detectorFolder: DETECTOR_DIR,
    classifierFolder: join(REPO_ROOT, 'models', 'facemask-default'),
    noseCheckFolder: join(REPO_ROOT, 'models', 'nose-check'),
  });
});
afterAll(() => pipeline.dispose());

/** The nearest face: the portrait's own. */
const largest = (faces: readonly FaceResult[]): FaceResult | undefined => faces.toSorted((a, b) => b.box.width - a.box.width)[0];

/**
 * What the kiosk makes of each portrait seen whole and with the frame's bottom edge at the nose
 * tip and a little above it (0.3 of the way up to the eyes' line from the nose to the mouth).
 */
async function cutOutcomes(label: 'with_mask' | 'without_mask'): Promise<Record<'whole' | 'nose' | 'above', KioskOutcome[]>> {
  const out = { whole: [] as KioskOutcome[], nose: [] as KioskOutcome[], above: [] as KioskOutcome[] };
  for (const row of sample('test', label, 40)) {
    const frame = await cameraFrame(row.path);
    const whole = await pipeline.analyzeFrame(frame);
    const face = largest(whole.faces);
    if (!face) continue;
    const { noseTip, mouth } = face.keypoints;
    const decide = (r: typeof whole): KioskOutcome => {
      const subject = largest(r.faces);
      return decideStill(subject && observationOf(subject), r, DEFAULT_TRACKER_OPTIONS);
    };
    out.whole.push(decide(whole));
    out.nose.push(decide(await pipeline.analyzeFrame(await raisedView(frame, noseTip.y))));
    out.above.push(decide(await pipeline.analyzeFrame(await raisedView(frame, noseTip.y - 0.3 * (mouth.y - noseTip.y)))));
  }
  return out;
}
const count = (outcomes: KioskOutcome[], outcome: KioskOutcome): number => outcomes.filter((o) => o === outcome).length;

describe('faces cut off by the bottom of the frame (face-detector, facemask-default, nose-check)', () => {
  it('thanks no bare face whose mouth is out of the picture: it is asked to step back', async () => {
    // Measured without the rule, on 100 bare faces of the test split: 20 cut at the nose tip and
    // 55 cut above it passed at the kiosk line. With it, all 40 here are asked to step back (two cut
    // above the nose are not found at all).
    const bare = await cutOutcomes('without_mask');
    // Seen whole, the same faces are refused or asked to come closer (measured: 37 refused of 40).
    expect(bare.whole.length).toBeGreaterThanOrEqual(38);
    expect(count(bare.whole, 'pass')).toBe(0);
    for (const cut of [bare.nose, bare.above]) {
      expect(count(cut, 'pass')).toBe(0);
      expect(count(cut, 'guidance') + count(cut, 'no_face')).toBeGreaterThanOrEqual(cut.length - 1);
    }
  }, 120_000);

  it('logs no violation for a masked face it cannot see whole', async () => {
    const masked = await cutOutcomes('with_mask');
    // Seen whole: measured 32 of 40 thanked, 6 asked to come closer, one told to pull up (a mask
    // below the nose the published labels call a mask), one undecided.
    expect(masked.whole.length).toBeGreaterThanOrEqual(38);
    expect(count(masked.whole, 'refuse')).toBe(0);
    for (const cut of [masked.nose, masked.above]) {
      expect(count(cut, 'refuse')).toBe(0);
      expect(count(cut, 'guidance') + count(cut, 'no_face')).toBe(cut.length);
    }
  }, 120_000);
});

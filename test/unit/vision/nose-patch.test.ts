import { describe, expect, it } from 'vitest';
import type { KeypointName } from '../../../src/main/vision/blazeface-decode';
import type { Classification } from '../../../src/main/vision/classifier';
import type { Point } from '../../../src/main/vision/detector';
import type { RawImage } from '../../../src/main/vision/image';
import { applyNoseCheck } from '../../../src/main/vision/nose-check';
import { NOSE_PATCH_GEOMETRY, placeNosePatch, samplePatch } from '../../../src/main/vision/nose-patch';

/** Keypoints of a face with eyes `eyes` px apart, its nose `noseBelow` px under their midpoint, turned by `angle`. */
function face(cx: number, cy: number, eyes: number, noseBelow: number, angle = 0): Record<KeypointName, Point> {
  const at = (x: number, y: number): Point => ({
    x: cx + x * Math.cos(angle) - y * Math.sin(angle),
    y: cy + x * Math.sin(angle) + y * Math.cos(angle),
  });
  return {
    rightEye: at(-eyes / 2, 0),
    leftEye: at(eyes / 2, 0),
    noseTip: at(0, noseBelow),
    mouth: at(0, noseBelow * 1.8),
    rightEar: at(-eyes, 0.2 * eyes),
    leftEar: at(eyes, 0.2 * eyes),
  };
}

/** An RGB image whose red channel is x and green channel is y (both mod 256). */
function coordinateImage(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[(y * width + x) * 3] = x % 256;
      data[(y * width + x) * 3 + 1] = y % 256;
    }
  }
  return { data, width, height, channels: 3 };
}

describe('the nose patch', () => {
  it('sits over the nose, sized by the eye distance, on an upright face', () => {
    const p = placeNosePatch(face(100, 80, 50, 30), NOSE_PATCH_GEOMETRY);
    expect(p.side).toBeCloseTo(NOSE_PATCH_GEOMETRY.side * 50);
    expect(p.cx).toBeCloseTo(100);
    // `above` eye distances above the nose tip, towards the eyes.
    expect(p.cy).toBeCloseTo(80 + 30 - NOSE_PATCH_GEOMETRY.above * 50);
    expect(p.angle).toBeCloseTo(0);
  });

  it('turns with the head: "above the nose" follows the eye line, not the image', () => {
    const p = placeNosePatch(face(100, 80, 50, 30, Math.PI / 2), NOSE_PATCH_GEOMETRY);
    // Turned a quarter clockwise, the face's down is the image's -x: the nose tip is at x 70 and
    // the patch centre lies between it and the eyes.
    expect(p.angle).toBeCloseTo(Math.PI / 2);
    expect(p.cx).toBeCloseTo(100 - 30 + NOSE_PATCH_GEOMETRY.above * 50);
    expect(p.cy).toBeCloseTo(80);
  });

  it('samples the placed square upright: the patch x axis runs along the eye line', () => {
    const image = coordinateImage(200, 200);
    const upright = samplePatch(image, { cx: 100, cy: 100, side: 32, angle: 0 }, 32);
    // One source pixel per patch pixel: red counts x from 84, green counts y from 84.
    expect(upright[0]).toBe(84);
    expect(upright[1]).toBe(84);
    expect(upright[(31 * 32 + 31) * 3]).toBe(115);
    expect(upright[(31 * 32 + 31) * 3 + 1]).toBe(115);
    const turned = samplePatch(image, { cx: 100, cy: 100, side: 32, angle: Math.PI / 2 }, 32);
    // Turned a quarter: along the patch's x the source's y grows, along its y the source's x falls.
    expect(turned[(0 * 32 + 31) * 3 + 1]! - turned[1]!).toBe(31);
    expect(turned[0]! - turned[(31 * 32 + 0) * 3]!).toBe(31);
  });

  it('comes out black where it leaves the image, as the face crops do', () => {
    const image = coordinateImage(50, 50);
    const patch = samplePatch(image, { cx: -100, cy: -100, side: 20, angle: 0.3 }, 16);
    expect(patch.every((v) => v === 0)).toBe(true);
  });
});

describe('the nose check on a classification', () => {
  const masked: Classification = {
    verdict: 'mask',
    confidence: 0.9,
    verdictProbabilities: { mask: 0.9, no_mask: 0.06, incorrect: 0.04 },
    probabilities: { with_mask: 0.9, without_mask: 0.06, mask_worn_incorrectly: 0.04 },
  };

  it('turns a mask with the nose in view into a mask below the nose', () => {
    const c = applyNoseCheck(masked, 0.97, 0.9);
    expect(c.verdict).toBe('incorrect');
    expect(c.verdictProbabilities.mask).toBe(0);
    expect(c.verdictProbabilities.incorrect).toBeCloseTo(0.94);
    expect(c.verdictProbabilities.no_mask).toBe(0.06);
    expect(c.confidence).toBeCloseTo(0.94);
  });

  it('works behind a two-class classifier (the seed BEiT) that has no "below the nose" of its own', () => {
    const twoClass: Classification = {
      verdict: 'mask',
      confidence: 0.8,
      verdictProbabilities: { mask: 0.8, no_mask: 0.2 },
      probabilities: { Mask: 0.8, 'No Mask': 0.2 },
    };
    const c = applyNoseCheck(twoClass, 0.99, 0.9);
    expect(c.verdict).toBe('incorrect');
    expect(c.verdictProbabilities).toEqual({ mask: 0, no_mask: 0.2, incorrect: 0.8 });
  });

  it('leaves the classifier its answer below the threshold, and any answer but a mask', () => {
    expect(applyNoseCheck(masked, 0.5, 0.9)).toBe(masked);
    const bare: Classification = { ...masked, verdict: 'no_mask', verdictProbabilities: { mask: 0.2, no_mask: 0.8 } };
    expect(applyNoseCheck(bare, 0.99, 0.9)).toBe(bare);
  });
});

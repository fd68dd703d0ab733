import { describe, expect, it } from 'vitest';
import { type Detection, decodeDetections, generateAnchors, iou, sigmoid, weightedNms } from '../../../src/main/vision/blazeface-decode';

const det = (cx: number, cy: number, w: number, h: number, score: number, kp = 0): Detection => ({
  cx,
  cy,
  w,
  h,
  score,
  keypoints: new Float32Array(12).fill(kp),
});

describe('anchors', () => {
  const anchors = generateAnchors();

  it('has the 896 anchors of the short-range model', () => {
    expect(anchors.length).toBe(896 * 2);
  });

  it('puts two anchors per cell on the 16x16 grid, row by row', () => {
    expect([anchors[0], anchors[1], anchors[2], anchors[3]]).toEqual([1 / 32, 1 / 32, 1 / 32, 1 / 32]);
    // anchor 2 is the second cell of the first row
    expect([anchors[4], anchors[5]]).toEqual([3 / 32, 1 / 32]);
    // anchor 32 starts the second row
    expect([anchors[64], anchors[65]]).toEqual([1 / 32, 3 / 32]);
  });

  it('puts six anchors per cell on the 8x8 grid after the first 512', () => {
    for (let a = 512; a < 518; a++) expect([anchors[a * 2], anchors[a * 2 + 1]]).toEqual([1 / 16, 1 / 16]);
    expect([anchors[518 * 2], anchors[518 * 2 + 1]]).toEqual([3 / 16, 1 / 16]);
    expect([anchors[895 * 2], anchors[895 * 2 + 1]]).toEqual([15 / 16, 15 / 16]);
  });
});

describe('decodeDetections', () => {
  const anchors = generateAnchors();

  it('offsets box and keypoints from the anchor in input pixels, and applies the sigmoid', () => {
    const scores = new Float32Array(512).fill(-10);
    const boxes = new Float32Array(512 * 16);
    const i = 34; // second row (anchors 32..63), second cell, first anchor: centre (3/32, 3/32)
    scores[i] = 2;
    boxes.set([12.8, -6.4, 64, 32, 1.28, 2.56, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], i * 16);
    const [d, ...rest] = decodeDetections(scores, boxes, anchors, 0, 0.5);
    expect(rest).toHaveLength(0);
    expect(d!.cx).toBeCloseTo(3 / 32 + 0.1, 6);
    expect(d!.cy).toBeCloseTo(3 / 32 - 0.05, 6);
    expect(d!.w).toBeCloseTo(0.5, 6);
    expect(d!.h).toBeCloseTo(0.25, 6);
    expect(d!.keypoints[0]).toBeCloseTo(3 / 32 + 0.01, 6);
    expect(d!.keypoints[1]).toBeCloseTo(3 / 32 + 0.02, 6);
    expect(d!.score).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
  });

  it('uses the anchor offset for the second output and keeps only scores at or above the threshold', () => {
    const scores = new Float32Array(384).fill(-10);
    const boxes = new Float32Array(384 * 16);
    scores[0] = 0; // exactly 0.5
    scores[5] = -0.1; // just below 0.5
    const out = decodeDetections(scores, boxes, anchors, 512, 0.5);
    expect(out).toHaveLength(1);
    expect(out[0]!.cx).toBeCloseTo(1 / 16, 6);
    expect(out[0]!.score).toBeCloseTo(0.5, 6);
  });

  it('clips scores like MediaPipe', () => {
    expect(sigmoid(1e6)).toBe(sigmoid(100));
    expect(sigmoid(-1e6)).toBe(sigmoid(-100));
  });
});

describe('weightedNms', () => {
  it('computes IoU of boxes', () => {
    expect(iou(det(0.5, 0.5, 0.2, 0.2, 1), det(0.5, 0.5, 0.2, 0.2, 1))).toBeCloseTo(1);
    expect(iou(det(0.5, 0.5, 0.2, 0.2, 1), det(0.6, 0.5, 0.2, 0.2, 1))).toBeCloseTo(0.02 / 0.06);
    expect(iou(det(0.2, 0.2, 0.1, 0.1, 1), det(0.8, 0.8, 0.1, 0.1, 1))).toBe(0);
  });

  it('merges an overlapping group into its score-weighted mean and keeps the best score', () => {
    const out = weightedNms([det(0.5, 0.5, 0.2, 0.2, 0.9, 1), det(0.52, 0.5, 0.2, 0.2, 0.6, 4)], 0.3);
    expect(out).toHaveLength(1);
    expect(out[0]!.score).toBeCloseTo(0.9);
    expect(out[0]!.cx).toBeCloseTo((0.5 * 0.9 + 0.52 * 0.6) / 1.5, 6);
    expect(out[0]!.keypoints[7]).toBeCloseTo((1 * 0.9 + 4 * 0.6) / 1.5, 6);
  });

  it('keeps separate faces apart, best first', () => {
    const out = weightedNms([det(0.2, 0.2, 0.1, 0.1, 0.7), det(0.8, 0.8, 0.1, 0.1, 0.95), det(0.21, 0.2, 0.1, 0.1, 0.6)], 0.3);
    expect(out.map((d) => d.score)).toEqual([0.95, 0.7]);
  });

  it('does not merge boxes that overlap less than the threshold', () => {
    // IoU of these two is 1/3: above 0.3 they merge, at 0.5 they stay apart.
    const pair = [det(0.5, 0.5, 0.2, 0.2, 0.9), det(0.6, 0.5, 0.2, 0.2, 0.8)];
    expect(weightedNms(pair, 0.3)).toHaveLength(1);
    expect(weightedNms(pair, 0.5)).toHaveLength(2);
  });

  it('returns nothing for nothing', () => {
    expect(weightedNms([])).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { letterbox, toFrame } from '../../../src/main/vision/detector';

describe('letterbox', () => {
  it('fits a landscape frame across the full width, centred vertically', () => {
    const lb = letterbox(640, 480, 0);
    expect(lb).toMatchObject({ resizedWidth: 128, resizedHeight: 96, offsetX: 0, offsetY: 16 });
    expect(lb.scale).toBeCloseTo(0.2);
  });

  it('shrinks the frame inside a border on every side', () => {
    const lb = letterbox(100, 100, 0.5);
    expect(lb.resizedWidth).toBe(64);
    expect(lb.offsetX).toBe(32);
    expect(lb.offsetY).toBe(32);
  });

  it('maps a model-space detection back onto frame pixels', () => {
    const lb = letterbox(640, 480, 0);
    // Centre of the model input is the centre of the frame; a box 1/4 of the input is 160 px.
    const face = toFrame({ cx: 0.5, cy: 0.5, w: 0.25, h: 0.25, score: 0.9, keypoints: new Float32Array(12).fill(0.5) }, lb);
    expect(face.box.x).toBeCloseTo(240);
    expect(face.box.y).toBeCloseTo(160);
    expect(face.box.width).toBeCloseTo(160);
    expect(face.keypoints.mouth).toEqual({ x: expect.closeTo(320, 4), y: expect.closeTo(240, 4) });
  });
});

import { describe, expect, it } from 'vitest';
import { StillPlaces } from '../../../src/main/compliance/still-places';
import { DEFAULT_TRACKER_OPTIONS } from '../../../src/main/compliance/tracker';

const O = DEFAULT_TRACKER_OPTIONS;
const FRAME_MS = 67;
/** A 100 px face at (x, y), its box shifted by `dx`, `dy` and widened by `dw` pixels. */
const at = (x: number, y: number, dx = 0, dy = 0, dw = 0) => ({ box: { x: x + dx, y: y + dy, width: 100 + dw, height: 100 + dw } });
/** Small frame-to-frame jitter, as the detector adds on a picture: up to 3 % of the face's width. */
const jitter = (i: number) => [3 * Math.sin(i * 1.7), 3 * Math.cos(i * 2.3), 2 * Math.sin(i * 0.9)] as const;

describe('still places (faces that never move)', () => {
  it('takes a face that stays put for 30 s for a picture, once, and judges faces that move', () => {
    const places = new StillPlaces();
    const turned: number[] = [];
    let judged = 0;
    for (let i = 0; i * FRAME_MS <= 40_000; i++) {
      const walker = at(600 - i * 5, 200);
      const r = places.sift([at(100, 100, ...jitter(i)), walker], i * FRAME_MS, O);
      if (r.newlyStill.length) turned.push(i * FRAME_MS);
      expect(r.moving).toContain(walker);
      if (r.moving.length === 2) judged = i * FRAME_MS;
    }
    expect(turned).toHaveLength(1);
    expect(turned[0]).toBeGreaterThanOrEqual(30_000);
    expect(turned[0]).toBeLessThan(30_000 + 2 * FRAME_MS);
    expect(judged).toBe(turned[0]! - FRAME_MS);
  });

  it('never takes a visitor who sways while standing for a picture', () => {
    // A head held still sways a few centimetres: here a tenth of the face's width, every 4 s.
    const places = new StillPlaces();
    for (let i = 0; i * FRAME_MS <= 120_000; i++) {
      const t = (i * FRAME_MS) / 4000;
      const r = places.sift([at(200, 100, 12 * Math.sin(2 * Math.PI * t), 4 * Math.cos(2 * Math.PI * t))], i * FRAME_MS, O);
      expect(r.still).toEqual([]);
    }
  });

  it('keeps counting through a short gap (a passer-by in front), starts again after a long one', () => {
    const run = (gapMs: number): number | null => {
      const places = new StillPlaces();
      for (let t = 0; t <= 60_000; t += FRAME_MS) {
        const hidden = t >= 10_000 && t < 10_000 + gapMs;
        if (places.sift(hidden ? [] : [at(100, 100)], t, O).newlyStill.length) return t;
      }
      return null;
    };
    expect(run(1_500)).toBeLessThanOrEqual(30_100);
    expect(run(3_000)).toBeGreaterThan(10_000 + 3_000 + 30_000 - FRAME_MS);
  });

  it('remembers a picture in view all day through a night without it, but not for more than a day', () => {
    const places = new StillPlaces();
    // Seen for 12 hours (one frame a second is enough to keep it), then the lights go out.
    let t = 0;
    for (; t <= 12 * 3600_000; t += 1000) places.sift([at(100, 100)], t, O);
    expect(places.sift([at(100, 100)], t + 11 * 3600_000, O).still).toHaveLength(1);
    expect(places.sift([at(100, 100)], t + 11 * 3600_000 + 24 * 3600_000 + 1, O).moving).toHaveLength(1);
  });

  it('forgets a picture not seen for two minutes, and judges a face there again', () => {
    const places = new StillPlaces();
    let t = 0;
    for (; t <= 31_000; t += FRAME_MS) places.sift([at(100, 100)], t, O);
    expect(places.sift([at(100, 100)], t, O).still).toHaveLength(1);
    expect(places.sift([at(100, 100)], t + 60_000, O).still).toHaveLength(1);
    expect(places.sift([at(100, 100)], t + 60_000 + 2 * 60_000 + 1, O).moving).toHaveLength(1);
  });
});

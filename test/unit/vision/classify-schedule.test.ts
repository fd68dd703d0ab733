import { describe, expect, it } from 'vitest';
import type { Classification } from '../../../src/main/vision/classifier';
import { ClassificationCache, faceThumbnail, thumbnailChange } from '../../../src/main/vision/classify-schedule';

const SIDE = 32;
/** A face-like crop: a bright oval on a dark ground, its lower half darker by `lowerShade` (a mask). */
function crop(lowerShade = 0, gain = 1): Uint8Array {
  const out = new Uint8Array(SIDE * SIDE * 3);
  for (let y = 0; y < SIDE; y++)
    for (let x = 0; x < SIDE; x++) {
      const inside = ((x - 16) / 11) ** 2 + ((y - 16) / 14) ** 2 < 1;
      const v = (inside ? (y > 18 ? 200 - lowerShade : 200) : 40) * gain;
      out.fill(Math.min(255, Math.round(v)), (y * SIDE + x) * 3, (y * SIDE + x) * 3 + 3);
    }
  return out;
}
const box = (x: number) => ({ x, y: 100, width: 120, height: 120 });
const answer = (verdict: Classification['verdict']): Classification => ({
  verdict,
  confidence: 0.9,
  verdictProbabilities: { [verdict]: 0.9 },
  probabilities: {},
});

describe('classification schedule', () => {
  it('sees the same face under other light as unchanged, and a covered lower face as a change', () => {
    const face = faceThumbnail(crop(), SIDE);
    expect(thumbnailChange(face, faceThumbnail(crop(0, 0.7), SIDE))).toBeLessThan(0.05);
    expect(thumbnailChange(face, faceThumbnail(crop(150), SIDE))).toBeGreaterThan(0.25);
  });

  it('reuses a still face’s answer until the refresh, and classifies new, moved away and changed faces at once', () => {
    const cache = new ClassificationCache({ refreshMs: 250, changeThreshold: 0.25, minOverlap: 0.5 });
    const still = faceThumbnail(crop(), SIDE);
    expect(cache.plan([box(100)], [still], 0)).toEqual([null]);
    cache.remember([box(100)], [still], [null], [answer('mask')], 0);

    const reused = cache.plan([box(104)], [still], 66);
    expect(reused[0]?.result.verdict).toBe('mask');
    cache.remember([box(104)], [still], reused, [answer('mask')], 66);
    // The refresh counts from the classification, not from the last reuse.
    expect(cache.plan([box(104)], [still], 250)).toEqual([null]);
    expect(cache.plan([box(104)], [faceThumbnail(crop(150), SIDE)], 133)).toEqual([null]);
    expect(cache.plan([box(400)], [still], 133)).toEqual([null]);
    // A clock that went back (a new visit, a restarted camera) is not trusted.
    expect(cache.plan([box(104)], [still], -10)).toEqual([null]);
  });

  it('lets one remembered face answer for one face only', () => {
    const cache = new ClassificationCache({ refreshMs: 250, changeThreshold: 0.25, minOverlap: 0.5 });
    const t = faceThumbnail(crop(), SIDE);
    cache.remember([box(100)], [t], [null], [answer('no_mask')], 0);
    const planned = cache.plan([box(100), box(102)], [t, t], 66);
    expect(planned.filter(Boolean)).toHaveLength(1);
  });
});

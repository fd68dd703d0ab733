// The walk-up visit's geometry: the person comes from farther away and then stays, so the face
// the tracker sees grows for the approach and holds its size after it.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VISIT, visitFrames, WALK_UP_VISIT } from '../../../src/cli/visits';
import type { RawImage } from '../../../src/main/vision/image';

/** Width of the white photo on the frame's middle row. */
function photoWidth(frame: RawImage): number {
  const y = Math.floor(frame.height / 2);
  let n = 0;
  for (let x = 0; x < frame.width; x++) if (frame.data[(y * frame.width + x) * frame.channels]! > 200) n++;
  return n;
}

async function widths(o: typeof DEFAULT_VISIT): Promise<{ ms: number; width: number }[]> {
  const photo = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#ffffff' } })
    .jpeg()
    .toBuffer();
  const out: { ms: number; width: number }[] = [];
  for await (const { frame, ms } of visitFrames(photo, 7, o)) out.push({ ms, width: photoWidth(frame) });
  return out;
}

describe('visits', () => {
  it('keeps the person at one size in a standing visit', async () => {
    const w = await widths(DEFAULT_VISIT);
    expect(w).toHaveLength(30);
    const sizes = w.map((f) => f.width);
    // 0.6 of a 480 px frame, give or take the 4 % zoom.
    expect(Math.min(...sizes)).toBeGreaterThan(0.6 * 480 * 0.95);
    expect(Math.max(...sizes)).toBeLessThan(0.6 * 480 * 1.05);
  });

  it('walks the person up from a third of the size over 1.5 s, then holds them there for 2 s', async () => {
    const w = await widths(WALK_UP_VISIT);
    expect(w).toHaveLength(53);
    expect(w[0]!.width / (0.6 * 480)).toBeCloseTo(1 / 3, 1);
    const arrived = w.findIndex((f) => f.ms >= 1500);
    for (let i = 3; i < arrived; i += 3) expect(w[i]!.width).toBeGreaterThan(w[i - 3]!.width);
    for (const f of w.slice(arrived)) expect(Math.abs(f.width / (0.6 * 480) - 1)).toBeLessThan(0.05);
    expect(w.at(-1)!.ms).toBeGreaterThanOrEqual(3400);
  });
});

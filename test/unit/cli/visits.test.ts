// The walk-up visit's geometry: the person comes from farther away and then stays, so the face
// the tracker sees grows for the approach and holds its size after it.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { cameraSeed, DEFAULT_VISIT, decideVisit, type ObservedFrame, visitFrames, WALK_UP_VISIT } from '../../../src/cli/visits';
import type { FaceObservation } from '../../../src/main/compliance/tracker';
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
  it('films an image with the same camera in every run, and with another for another draw', () => {
    expect(cameraSeed('with_mask/0001.jpg')).toBe(cameraSeed('with_mask/0001.jpg', 0));
    expect(cameraSeed('with_mask/0001.jpg', 2)).toBe(cameraSeed('with_mask/0001.jpg', 2));
    const seeds = new Set([0, 1, 2, 3].map((draw) => cameraSeed('with_mask/0001.jpg', draw)));
    expect(seeds.size).toBe(4);
    expect(cameraSeed('with_mask/0002.jpg')).not.toBe(cameraSeed('with_mask/0001.jpg'));
  });

  it('keeps the person at one size in a standing visit', async () => {
    const w = await widths(DEFAULT_VISIT);
    expect(w).toHaveLength(30);
    const sizes = w.map((f) => f.width);
    // 0.6 of a 480 px frame, give or take the 4 % zoom.
    expect(Math.min(...sizes)).toBeGreaterThan(0.6 * 480 * 0.95);
    expect(Math.max(...sizes)).toBeLessThan(0.6 * 480 * 1.05);
  });

  it('shows only what is in view of a person nearer than the frame can hold', async () => {
    // The 300 px photo at 1.5 times the frame's height: 720 px, wider than the 640 px frame.
    const w = await widths({ ...DEFAULT_VISIT, photoShare: 1.5 });
    expect(w).toHaveLength(30);
    for (const f of w) expect(f.width).toBe(640);
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

/** A frontal face in the middle of a 640 x 480 frame, 200 px wide. */
function face(pMask: number, pIncorrect = 0): FaceObservation {
  const p = (x: number, y: number) => ({ x, y });
  return {
    box: { x: 220, y: 140, width: 200, height: 200 },
    keypoints: {
      rightEye: p(280, 200),
      leftEye: p(360, 200),
      noseTip: p(320, 240),
      mouth: p(320, 280),
      rightEar: p(230, 210),
      leftEar: p(410, 210),
    },
    pMask,
    pIncorrect,
    brightness: 0.5,
  };
}

const frames = (faces: (number | null)[]): ObservedFrame[] =>
  faces.map((pMask, i) => ({ ms: Math.round((i * 1000) / 15), width: 640, height: 480, faces: pMask === null ? [] : [face(pMask)] }));

describe('decideVisit', () => {
  it('thanks a mask once the dwell and the confirmation have passed, and refuses a bare face at the dwell', () => {
    const masked = decideVisit(frames(Array(30).fill(0.95)));
    expect(masked).toMatchObject({ outcome: 'pass', screen: 'pass', changed: false });
    expect(masked.msToVerdict).toBeGreaterThanOrEqual(300);
    const bare = decideVisit(frames(Array(30).fill(0.05)));
    expect(bare).toMatchObject({ outcome: 'refuse', changed: false });
    expect(bare.msToVerdict).toBeLessThan(masked.msToVerdict!);
  });

  it('says when the verdict changed side, and what an empty visit ended in', () => {
    expect(decideVisit(frames([...Array(15).fill(0.95), ...Array(15).fill(0.02)])).changed).toBe(true);
    expect(decideVisit(frames(Array(30).fill(null)))).toMatchObject({ outcome: 'no_face', msToVerdict: null });
    expect(decideVisit(frames(Array(30).fill(0.5)))).toMatchObject({ outcome: 'guidance', guidance: 'hold_still' });
  });

  it('decides by the tracker settings it is given', () => {
    expect(decideVisit(frames(Array(30).fill(0.65))).outcome).not.toBe('pass');
    expect(decideVisit(frames(Array(30).fill(0.65)), { compliantAt: 0.6 }).outcome).toBe('pass');
  });
});

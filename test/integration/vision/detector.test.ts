import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DetectedFace, FaceDetector } from '../../../src/main/vision/detector';
import { decodeImage } from '../../../src/main/vision/image';
import { DEFAULT_PIPELINE_OPTIONS } from '../../../src/main/vision/pipeline';
import { DETECTOR_DIR, sample } from '../../helpers/paths';

const { borders, minScore } = DEFAULT_PIPELINE_OPTIONS.stillImage;
let detector: FaceDetector;
beforeAll(async () => {
  detector = await FaceDetector.load(DETECTOR_DIR);
});
afterAll(() => detector.dispose());

const inside = (p: { x: number; y: number }, f: DetectedFace): boolean =>
  p.x >= f.box.x && p.x <= f.box.x + f.box.width && p.y >= f.box.y && p.y <= f.box.y + f.box.height;

describe('BlazeFace on real test portraits', () => {
  for (const label of ['with_mask', 'without_mask'] as const) {
    it(`finds one face with eyes and mouth inside the box (${label})`, async () => {
      const rows = sample('test', label, 15);
      let found = 0;
      for (const row of rows) {
        const image = await decodeImage(row.path);
        const faces = (await detector.detect(image, { border: borders[0]!, minScore })).sort((a, b) => b.score - a.score);
        const face = faces[0];
        if (!face) continue;
        found++;
        for (const k of ['rightEye', 'leftEye', 'mouth'] as const) expect(inside(face.keypoints[k], face), `${row.file} ${k}`).toBe(true);
        expect(face.keypoints.mouth.y, `${row.file}: mouth below the eyes`).toBeGreaterThan(
          Math.max(face.keypoints.rightEye.y, face.keypoints.leftEye.y),
        );
        // The face sits in the photo, not in the border around it.
        expect(face.box.x + face.box.width / 2).toBeGreaterThan(0);
        expect(face.box.x + face.box.width / 2).toBeLessThan(image.width);
      }
      expect(found / rows.length).toBeGreaterThanOrEqual(0.9);
    });
  }

  it('maps boxes back to frame pixels wherever the face sits in a larger frame', async () => {
    const [row] = sample('test', 'without_mask', 1);
    const face = await decodeImage(row!.path);
    const left = 700 - face.width;
    const top = 40;
    const { data, info } = await sharp(face.data, { raw: { width: face.width, height: face.height, channels: face.channels } })
      .extend({ left, top, right: 0, bottom: 480 - face.height - top, background: '#808080' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const frame = { data, width: info.width, height: info.height, channels: 3 as const };
    const [alone] = await detector.detect(face, { border: 0.1, minScore });
    const [inFrame] = await detector.detect(frame, { minScore });
    expect(alone && inFrame).toBeTruthy();
    const tolerance = alone!.box.width * 0.15;
    expect(Math.abs(inFrame!.box.x - (alone!.box.x + left))).toBeLessThan(tolerance);
    expect(Math.abs(inFrame!.box.y - (alone!.box.y + top))).toBeLessThan(tolerance);
    expect(Math.abs(inFrame!.box.width - alone!.box.width)).toBeLessThan(tolerance);
    expect(Math.abs(inFrame!.keypoints.noseTip.x - (alone!.keypoints.noseTip.x + left))).toBeLessThan(tolerance);
  });

  it('finds nobody in a blank frame', async () => {
    const blank = { data: new Uint8Array(320 * 240 * 4).fill(200), width: 320, height: 240, channels: 4 as const };
    expect(await detector.detect(blank)).toEqual([]);
  });
});

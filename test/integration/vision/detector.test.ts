import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/cli/seeded-random';
import { addSensorNoise } from '../../../src/cli/visits';
import { type DetectedFace, FaceDetector } from '../../../src/main/vision/detector';
import { decodeImage, type RawImage } from '../../../src/main/vision/image';
import { cameraFramePasses, DEFAULT_PIPELINE_OPTIONS, detectWithPasses, stillImagePasses } from '../../../src/main/vision/pipeline';
import { DETECTOR_DIR, PUBLISHED_DETECTOR_DIR, sample } from '../../helpers/paths';

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

/** A 640x480 camera frame with the photo scaled so that `face` is `width` px wide, centred at (320, 200). */
async function faceAtWidth(path: string, face: DetectedFace, photoWidth: number, width: number): Promise<RawImage> {
  const scale = width / face.box.width;
  const scaled = await sharp(path)
    .resize(Math.round(photoWidth * scale))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const left = Math.round(320 - (face.box.x + face.box.width / 2) * scale);
  const top = Math.round(200 - (face.box.y + face.box.height / 2) * scale);
  const { data, info } = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#5a6470' } })
    .composite([{ input: scaled.data, raw: { width: scaled.info.width, height: scaled.info.height, channels: 3 }, left, top }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 3 };
}

const FRAME_BYTES = 640 * 480 * 3;

/** An empty 640x480 camera frame of one colour, with the visits' camera noise and JPEG. */
async function emptyFrame(colour: readonly [number, number, number], rand: () => number): Promise<RawImage> {
  const pixels = Buffer.alloc(FRAME_BYTES);
  for (let p = 0; p < pixels.length; p++) pixels[p] = colour[p % 3]!;
  addSensorNoise(pixels, rand);
  const jpeg = await sharp(pixels, { raw: { width: 640, height: 480, channels: 3 } })
    .jpeg({ quality: 75 })
    .toBuffer();
  return decodeImage(jpeg);
}

describe('the kiosk detector (BlazeFace fine-tuned for masked faces) against BlazeFace as published', () => {
  it('finds no more faces than the published one in empty camera frames', async () => {
    const published = await FaceDetector.load(PUBLISHED_DETECTOR_DIR);
    // A fixed draw of colours, saturated ones included (where a fine-tune for masks learns to see faces).
    const rand = seededRandom(7);
    const found = { kiosk: 0, published: 0 };
    try {
      for (let i = 0; i < 300; i++) {
        const frame = await emptyFrame([rand() * 256, rand() * 256, rand() * 256].map(Math.floor) as [number, number, number], rand);
        for (const [name, d] of [
          ['kiosk', detector],
          ['published', published],
        ] as const) {
          found[name] += (await detectWithPasses(d, frame, cameraFramePasses(frame, 0))).faces.length;
        }
      }
    } finally {
      await published.dispose();
    }
    // Measured: none (published 7; face-detector 1.0.0, trained without empty frames, 11).
    expect(found.kiosk, JSON.stringify(found)).toBeLessThanOrEqual(Math.min(1, found.published));
  });

  it('finds masked faces 36 px wide in a camera frame (a person about 3 m away) far more often', async () => {
    const published = await FaceDetector.load(PUBLISHED_DETECTOR_DIR);
    const found = { kiosk: 0, published: 0 };
    let n = 0;
    try {
      for (const row of sample('test', 'with_mask', 150)) {
        const photo = await decodeImage(row.path);
        // The face as the still-image pass finds it in the photo itself, large. Only photos with
        // the whole face inside (a tight crop cut at the chin is no person in front of a camera)
        // and small enough around it to fit in the frame once the face is 36 px wide.
        const [face] = (await detectWithPasses(detector, photo, stillImagePasses(), minScore)).faces;
        if (!face) continue;
        const { x, y, width, height } = face.box;
        if (x < 0 || y < 0 || x + width > photo.width || y + height > photo.height) continue;
        if (width < 0.25 * photo.width || height < 0.25 * photo.height) continue;
        n++;
        const frame = await faceAtWidth(row.path, face, photo.width, 36);
        const centre = { x: 320, y: 200 };
        for (const [name, d] of [
          ['kiosk', detector],
          ['published', published],
        ] as const) {
          const { faces } = await detectWithPasses(d, frame, cameraFramePasses(frame, 0));
          if (faces.some((f) => inside(centre, f))) found[name]++;
        }
      }
    } finally {
      await published.dispose();
    }
    expect(n, JSON.stringify({ n, ...found })).toBeGreaterThanOrEqual(30);
    expect(found.kiosk / n, JSON.stringify({ n, ...found })).toBeGreaterThanOrEqual(0.8);
    expect(found.kiosk - found.published, JSON.stringify({ n, ...found })).toBeGreaterThanOrEqual(0.15 * n);
  });
});

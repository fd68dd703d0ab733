import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageDecodeError } from '../../../src/main/vision/image';
import { VisionPipeline } from '../../../src/main/vision/pipeline';
import { CONTRACT_MODEL_DIR, DETECTOR_DIR, sample } from '../../helpers/paths';
import { cameraFrame } from '../../helpers/vision';

let pipeline: VisionPipeline;
beforeAll(async () => {
  pipeline = await VisionPipeline.load({ detectorFolder: DETECTOR_DIR, classifierFolder: CONTRACT_MODEL_DIR });
});
afterAll(() => pipeline.dispose());

describe('vision pipeline', () => {
  it('analyses an RGBA camera frame: box, keypoints, verdict, probabilities, timings', async () => {
    const [row] = sample('test', 'without_mask', 1);
    const result = await pipeline.analyzeFrame(await cameraFrame(row!.path));
    expect(result.width).toBe(640);
    expect(result.faces).toHaveLength(1);
    const face = result.faces[0]!;
    expect(face.box.x).toBeGreaterThan(100);
    expect(face.box.x + face.box.width).toBeLessThan(540);
    expect(['mask', 'no_mask']).toContain(face.verdict);
    const total = Object.values(face.probabilities).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 5);
    expect(face.confidence).toBe(Math.max(...Object.values(face.verdictProbabilities)));
    for (const v of Object.values(result.timings)) expect(v).toBeGreaterThanOrEqual(0);
    expect(result.timings.total).toBeGreaterThanOrEqual(result.timings.detect);
  });

  it('analyses an encoded image file, timing its decoding', async () => {
    const [row] = sample('test', 'with_mask', 1);
    const fromFile = await pipeline.analyzeImage(row!.path);
    expect(fromFile.faces.length).toBeGreaterThan(0);
    expect(fromFile.timings.decode).toBeGreaterThan(0);
  });

  it('finds no faces in an empty lobby', async () => {
    const empty = { data: new Uint8Array(640 * 480 * 4).fill(90), width: 640, height: 480, channels: 4 as const };
    const result = await pipeline.analyzeFrame(empty);
    expect(result.faces).toEqual([]);
  });

  it('rejects a corrupt image with a decode error, not a crash', async () => {
    await expect(pipeline.analyzeImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]))).rejects.toBeInstanceOf(ImageDecodeError);
    await expect(pipeline.analyzeImage(Buffer.from('not an image'))).rejects.toThrow(/not a readable image/);
  });

  it('reports the provider it runs on', () => {
    expect(pipeline.activeProvider).toBe('cpu');
    expect(pipeline.providers.classifier).toMatch(/^cpu/);
  });
});

describe('zoom pass for distant faces', () => {
  it('finds a face too small for the whole-frame pass, in frame coordinates', async () => {
    const [row] = sample('test', 'without_mask', 1);
    const tile = await sharp(row!.path)
      .resize({ height: 50 })
      .flatten({ background: '#ffffff' })
      .png()
      .toBuffer({ resolveWithObject: true });
    const left = Math.round((640 - tile.info.width) / 2);
    const { data } = await sharp({ create: { width: 640, height: 480, channels: 4, background: '#8a8478' } })
      .composite([{ input: tile.data, left, top: 150 }])
      .raw()
      .toBuffer({ resolveWithObject: true });
    const frame = { data, width: 640, height: 480, channels: 4 as const };
    const noZoom = await VisionPipeline.load({ detectorFolder: DETECTOR_DIR, classifierFolder: CONTRACT_MODEL_DIR, zoomRegion: null });
    try {
      expect((await noZoom.analyzeFrame(frame)).faces).toEqual([]);
    } finally {
      await noZoom.dispose();
    }
    const [face] = (await pipeline.analyzeFrame(frame)).faces;
    expect(face).toBeDefined();
    expect(face!.box.x).toBeGreaterThanOrEqual(left - 10);
    expect(face!.box.x + face!.box.width).toBeLessThanOrEqual(left + tile.info.width + 10);
    expect(face!.box.y).toBeGreaterThanOrEqual(140);
    expect(face!.box.y + face!.box.height).toBeLessThanOrEqual(150 + 50 + 10);
  });
});

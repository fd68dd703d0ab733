import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageDecodeError } from '../../../src/main/vision/image';
import { VisionPipeline } from '../../../src/main/vision/pipeline';
import { CONTRACT_MODEL_DIR, DETECTOR_DIR, manifest, sample } from '../../helpers/paths';
import { cameraFrame, rgbaFrame } from '../../helpers/vision';

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

describe('more faces than it classifies', () => {
  it('keeps the nearest faces, not those the detector is surest of: the visitor at the kiosk before the crowd behind', async () => {
    // The masked portrait the detector is least sure of, large in front, and two bare faces it is
    // surer of, small behind; room for two.
    const scored: { path: string; score: number }[] = [];
    for (const row of manifest()
      .filter((r) => r.split === 'test' && r.label === 'with_mask' && r.width >= 300 && r.height >= 300)
      .slice(0, 30)) {
      const { faces } = await pipeline.analyzeFrame(await cameraFrame(row.path));
      if (faces.length === 1) scored.push({ path: row.path, score: faces[0]!.detectorScore });
    }
    const visitor = scored.toSorted((a, b) => a.score - b.score)[0]!;
    const crowd = sample('test', 'without_mask', 2);
    const layers = await Promise.all(
      crowd.map(async (row, i) => ({
        input: await sharp(row.path).resize(120, 120, { fit: 'cover' }).toBuffer(),
        left: 10 + i * 125,
        top: 20,
      })),
    );
    layers.push({ input: await sharp(visitor.path).resize(280, 280, { fit: 'inside' }).toBuffer(), left: 330, top: 150 });
    const frame = await rgbaFrame(sharp({ create: { width: 640, height: 480, channels: 3, background: '#c9c2b6' } }).composite(layers));
    const all = await pipeline.analyzeFrame(frame);
    expect(all.faces).toHaveLength(3);
    const front = all.faces.find((f) => f.box.x > 300)!;
    expect(front.detectorScore).toBeLessThan(Math.min(...all.faces.filter((f) => f !== front).map((f) => f.detectorScore)));

    const capped = await VisionPipeline.load({ detectorFolder: DETECTOR_DIR, classifierFolder: CONTRACT_MODEL_DIR, maxFaces: 2 });
    try {
      const kept = (await capped.analyzeFrame(frame)).faces;
      expect(kept).toHaveLength(2);
      expect(kept.some((f) => f.box.x > 300)).toBe(true);
    } finally {
      await capped.dispose();
    }
  });
});

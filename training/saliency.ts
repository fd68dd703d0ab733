// Where does the classifier look? Occlusion sensitivity on val faces through the kiosk's own
// detect-and-crop path: a grey patch slides over each crop and we record how much the probability
// of the true class drops. A model that learned masks should care about the lower face (nose,
// mouth, chin), not the background or the eyes. Also two whole-region tests: grey background
// (outside a face ellipse) and grey lower face (below the nose).
// Usage: npm run analyse:model -- [--model DIR] [--data DIR] [--per-class N] [--out DIR]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { parseCommandLine, runTool, wholeNumberOption } from '../src/cli/command-line';
import { listFiles } from '../src/cli/files';
import { DEFAULT_CLASSIFIER_DIR, DEFAULT_DETECTOR_DIR, REPO_ROOT } from '../src/cli/model-paths';
import { cropSquare, squareAround } from '../src/main/vision/crop';
import { decodeImage } from '../src/main/vision/image';
import { DEFAULT_PIPELINE_OPTIONS, detectWithPasses, stillImagePasses, VisionPipeline } from '../src/main/vision/pipeline';

const USAGE = 'Usage: npm run analyse:model -- [--model DIR] [--data DIR] [--per-class N] [--out DIR]';
const values = parseCommandLine(
  'analyse:model',
  USAGE,
  {
    options: {
      model: { type: 'string', default: DEFAULT_CLASSIFIER_DIR },
      data: { type: 'string', default: join(REPO_ROOT, '..', 'shared', 'data', 'facemask-v1', 'val') },
      'per-class': { type: 'string', default: '80' },
      out: { type: 'string', default: join(REPO_ROOT, 'training', '.cache', 'saliency') },
    },
  },
  ({ values }) => ({ ...values, perClass: wholeNumberOption('per-class', values['per-class']) }),
);
const PATCH = 32;
const STRIDE = 16;
await runTool('analyse:model', USAGE, async () => {
  const pipeline = await VisionPipeline.load({ detectorFolder: DEFAULT_DETECTOR_DIR, classifierFolder: values.model });
  const size = pipeline.classifier.cropSize;
  const grey = (crop: Uint8Array, inside: (x: number, y: number) => boolean): Uint8Array => {
    // A copy: crops are Buffers, whose slice() is a view, not a copy.
    const out = new Uint8Array(crop);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) if (inside(x, y)) out.fill(128, (y * size + x) * 3, (y * size + x) * 3 + 3);
    return out;
  };

  const summary: Record<string, unknown> = {};
  mkdirSync(values.out, { recursive: true });
  for (const [folder, verdict] of [
    ['with_mask', 'mask'],
    ['without_mask', 'no_mask'],
  ] as const) {
    const heat = new Float64Array(size * size);
    const cover = new Float64Array(size * size);
    let lowerShare = 0,
      n = 0,
      correct = 0,
      correctNoBackground = 0,
      correctNoLowerFace = 0,
      meanNoseY = 0,
      meanMouthY = 0;
    const files = listFiles([join(values.data, folder)]);
    const step = Math.max(1, Math.floor(files.length / values.perClass));
    for (const file of files.filter((_, i) => i % step === 0).slice(0, values.perClass)) {
      const image = await decodeImage(file);
      const [face] = (await detectWithPasses(pipeline.detector, image, stillImagePasses(), DEFAULT_PIPELINE_OPTIONS.stillImage.minScore))
        .faces;
      if (!face) continue;
      const region = squareAround(face.box, DEFAULT_PIPELINE_OPTIONS.cropMargin);
      const crop = await cropSquare(image, region, size);
      const toCrop = (p: { x: number; y: number }) => ({
        x: ((p.x - region.x) / region.side) * size,
        y: ((p.y - region.y) / region.side) * size,
      });
      const nose = toCrop(face.keypoints.noseTip);
      const mouth = toCrop(face.keypoints.mouth);
      const positions: [number, number][] = [];
      for (let y = 0; y + PATCH <= size; y += STRIDE) for (let x = 0; x + PATCH <= size; x += STRIDE) positions.push([x, y]);
      const variants = [
        crop,
        grey(crop, (x, y) => ((x - nose.x) / (size * 0.36)) ** 2 + ((y - nose.y) / (size * 0.46)) ** 2 > 1),
        grey(crop, (_x, y) => y > nose.y - size * 0.04),
        ...positions.map(([px, py]) => grey(crop, (x, y) => x >= px && x < px + PATCH && y >= py && y < py + PATCH)),
      ];
      const results = await pipeline.classifier.classify(variants);
      const p = (i: number): number => results[i]!.verdictProbabilities[verdict] ?? 0;
      n++;
      if (results[0]!.verdict === verdict) correct++;
      if (results[1]!.verdict === verdict) correctNoBackground++;
      if (results[2]!.verdict === verdict) correctNoLowerFace++;
      meanNoseY += nose.y / size;
      meanMouthY += mouth.y / size;
      let total = 0,
        lower = 0;
      positions.forEach(([px, py], k) => {
        const drop = Math.max(0, p(0) - p(3 + k));
        total += drop;
        if (py + PATCH / 2 > nose.y) lower += drop;
        for (let y = py; y < py + PATCH; y++)
          for (let x = px; x < px + PATCH; x++) {
            heat[y * size + x]! += drop;
            cover[y * size + x]! += 1;
          }
      });
      if (total > 0) lowerShare += lower / total;
    }
    const map = new Float64Array(size * size).map((_, i) => heat[i]! / Math.max(1, cover[i]!));
    const max = Math.max(...map, 1e-9);
    const rgb = new Uint8Array(size * size * 3);
    map.forEach((v, i) => {
      const t = v / max;
      rgb.set([Math.round(255 * Math.min(1, 2 * t)), Math.round(255 * Math.max(0, 2 * t - 1)), Math.round(80 * (1 - t))], i * 3);
    });
    // Mean nose and mouth heights of the sample, as white ticks at the edges.
    for (const fy of [meanNoseY / n, meanMouthY / n])
      for (let x = 0; x < 8; x++) rgb.set([255, 255, 255], (Math.round(fy * size) * size + x) * 3);
    await sharp(rgb, { raw: { width: size, height: size, channels: 3 } })
      .resize(256, 256, { kernel: 'nearest' })
      .png()
      .toFile(join(values.out, `occlusion-${verdict}.png`));
    summary[folder] = {
      faces: n,
      accuracy: +(correct / n).toFixed(4),
      accuracyBackgroundGreyed: +(correctNoBackground / n).toFixed(4),
      accuracyLowerFaceGreyed: +(correctNoLowerFace / n).toFixed(4),
      meanShareOfSensitivityBelowNose: +(lowerShare / n).toFixed(4),
    };
  }
  await pipeline.dispose();
  writeFileSync(join(values.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary, null, 2));
});

// npm run export-crops -- --data DIR --out DIR [--split train,val,test | --flat NAME] [--size 192] [--margin 0.8] [--detector DIR]
// Exports the subject face (nearest the centre, in face sizes) of every labelled image through the product's own detector
// and crop code, so that training sees faces framed exactly as the kiosk frames them. The
// wider margin leaves room for training-time scale and shift jitter around the kiosk's crop.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { KEYPOINT_NAMES } from '../main/vision/blazeface-decode';
import { cropSquare, squareAround } from '../main/vision/crop';
import { FaceDetector } from '../main/vision/detector';
import { decodeImage, ImageDecodeError } from '../main/vision/image';
import { DEFAULT_PIPELINE_OPTIONS, detectWithPasses, stillImagePasses } from '../main/vision/pipeline';
import { labelFolders, nonNegativeNumberOption, parseCommandLine, runTool, UsageError, wholeNumberOption } from './command-line';
import { listFiles } from './files';
import { subjectFace } from './metrics';
import { DEFAULT_DETECTOR_DIR } from './model-paths';

const USAGE =
  'Usage: npm run export-crops -- --data DIR --out DIR [--split train,val,test | --flat NAME] [--size 192] [--margin 0.8] [--detector DIR]';
const {
  out,
  size,
  margin,
  sets,
  detector: detectorDir,
} = parseCommandLine(
  'export-crops',
  USAGE,
  {
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      split: { type: 'string', default: 'train,val,test' },
      size: { type: 'string', default: '192' },
      margin: { type: 'string', default: '0.8' },
      // A set without split folders (label folders directly under --data), exported as split NAME.
      flat: { type: 'string' },
      // The shipped models' recipes name the detector their crops were cut with, so they rebuild the same weights.
      detector: { type: 'string', default: DEFAULT_DETECTOR_DIR },
    },
  },
  ({ values }) => {
    const size = wholeNumberOption('size', values.size, 16);
    const margin = nonNegativeNumberOption('margin', values.margin);
    const { data, out } = values;
    if (!data || !out) throw new UsageError('--data and --out are needed');
    if (!existsSync(data)) throw new UsageError(`--data ${data}: no such folder`);
    // Each split's folder and the label folders it holds, found once: checked here, exported below.
    const sets = values.flat
      ? [{ split: values.flat, dir: data, labels: labelFolders(data) }]
      : values.split.split(',').map((split) => {
          const dir = join(data, split);
          return { split, dir, labels: labelFolders(dir, ' (--flat NAME for a set without split folders)') };
        });
    return { out, size, margin, sets, detector: values.detector };
  },
);
const { minScore } = DEFAULT_PIPELINE_OPTIONS.stillImage;
const passes = stillImagePasses();

async function exportSplit(detector: FaceDetector, { split, dir: setDir, labels }: (typeof sets)[number]): Promise<void> {
  const rows: string[] = [];
  const noFace: Record<string, number> = {};
  for (const label of labels) {
    const dir = join(setDir, label);
    const outDir = join(out, split, label);
    mkdirSync(outDir, { recursive: true });
    noFace[label] = 0;
    for (const file of listFiles([dir])) {
      let image: Awaited<ReturnType<typeof decodeImage>>;
      try {
        image = await decodeImage(file);
      } catch (err) {
        if (!(err instanceof ImageDecodeError)) throw err;
        console.error(`${file}: skipped, ${err.message}`);
        continue;
      }
      const { faces, pass } = await detectWithPasses(detector, image, passes, minScore);
      // The same subject rule as `scan --eval`: in a photo of several people, the one the label is about.
      const face = subjectFace(faces, image.width, image.height);
      if (!face) {
        noFace[label]!++;
        rows.push(JSON.stringify({ split, label, source: file, face: false }));
        continue;
      }
      const region = squareAround(face.box, margin);
      const crop = await cropSquare(image, region, size);
      const name = basename(file).replace(/\.[^.]+$/, '.png');
      await sharp(crop, { raw: { width: size, height: size, channels: 3 } })
        .png()
        .toFile(join(outDir, name));
      const keypoints = Object.fromEntries(
        KEYPOINT_NAMES.map((k) => [k, [(face.keypoints[k].x - region.x) / region.side, (face.keypoints[k].y - region.y) / region.side]]),
      );
      rows.push(
        JSON.stringify({
          split,
          label,
          source: file,
          face: true,
          crop: join(split, label, name),
          score: face.score,
          border: passes[pass]!.border,
          faces: faces.length,
          keypoints,
          margin,
          // The face's own resolution in the photo: training uses it to keep image quality from
          // telling the classes apart.
          faceSide: Math.round(Math.max(face.box.width, face.box.height)),
        }),
      );
    }
  }
  writeFileSync(join(out, `${split}.jsonl`), `${rows.join('\n')}\n`);
  console.log(`${split}: ${rows.length} images, no face found: ${JSON.stringify(noFace)}`);
}

await runTool('export-crops', USAGE, async () => {
  const detector = await FaceDetector.load(detectorDir);
  try {
    for (const set of sets) await exportSplit(detector, set);
  } finally {
    await detector.dispose();
  }
});

// Records what the real pipeline says, frame by frame, about a synthetic camera scene built from
// a test portrait: the person walks up (growing from far to near) and then stands, with small
// camera jitter and exposure noise. The result (boxes, keypoints, P(mask), brightness: no pixels)
// is a fixture for the compliance tracker's tests, so they replay real detector and classifier
// behaviour. The first half second is the empty lobby before the person walks in.
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { nonNegativeNumberOption, parseCommandLine, UsageError, wholeNumberOption } from '../src/cli/command-line';
import { DEFAULT_CLASSIFIER_DIR, DEFAULT_DETECTOR_DIR } from '../src/cli/model-paths';
import { VisionPipeline } from '../src/main/vision/pipeline';

const USAGE = `Usage: tsx scripts/record-sequence.ts <portrait> <out.json> [--seconds 4] [--fps 15]

Records the default detector's and classifier's output for the portrait walking up to a 640x480
camera and standing, one entry per frame, as a fixture for the tracker's tests.`;

const { portrait, out, fps, frames } = parseCommandLine(
  'record-sequence',
  USAGE,
  { allowPositionals: true, options: { seconds: { type: 'string', default: '4' }, fps: { type: 'string', default: '15' } } },
  ({ values, positionals }) => {
    const [portrait, out, ...extra] = positionals;
    if (!portrait || !out || extra.length > 0) throw new UsageError('give a portrait and an output file');
    const fps = wholeNumberOption('fps', values.fps);
    const frames = Math.round(nonNegativeNumberOption('seconds', values.seconds) * fps);
    if (frames < 1) throw new UsageError(`--seconds ${values.seconds} at ${fps} fps records no frame`);
    return { portrait, out, fps, frames };
  },
);
const pipeline = await VisionPipeline.load({ detectorFolder: DEFAULT_DETECTOR_DIR, classifierFolder: DEFAULT_CLASSIFIER_DIR });
// A fixed pseudo-random walk, so re-recording gives the same scene.
let seed = 7;
const rand = (): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

const recorded = [];
const empty = Math.round(fps / 2);
for (let i = 0; i < frames; i++) {
  const approach = Math.min(1, Math.max(0, i - empty) / (fps * 1.2));
  const height = Math.round(90 + approach * 250);
  const person = await sharp(portrait)
    .resize({ height, width: height, fit: 'inside' })
    .flatten({ background: '#fff' })
    .modulate({ brightness: 0.9 + 0.2 * rand() })
    .png()
    .toBuffer({ resolveWithObject: true });
  const left = Math.round((640 - person.info.width) / 2 + (rand() - 0.5) * 8);
  const top = Math.round((480 - person.info.height) / 2 + (rand() - 0.5) * 6);
  const { data, info } = await sharp({ create: { width: 640, height: 480, channels: 4, background: '#b8b0a4' } })
    .composite(i < empty ? [] : [{ input: person.data, left, top }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  const result = await pipeline.analyzeFrame({ data, width: info.width, height: info.height, channels: 4 });
  recorded.push({
    t: Math.round((i * 1000) / fps),
    faces: result.faces.map((f) => ({
      box: roundAll(f.box),
      keypoints: Object.fromEntries(Object.entries(f.keypoints).map(([k, p]) => [k, roundAll(p)])),
      pMask: Number((f.verdictProbabilities.mask ?? 0).toFixed(4)),
      pIncorrect: Number((f.verdictProbabilities.incorrect ?? 0).toFixed(4)),
      brightness: Number(f.brightness.toFixed(3)),
    })),
  });
}
await pipeline.dispose();
writeFileSync(
  out,
  `${JSON.stringify(
    { source: 'scripts/record-sequence.ts', model: pipeline.classifier.model.id, frameWidth: 640, frameHeight: 480, fps, frames: recorded },
    null,
    1,
  )}\n`,
);
console.log(`recorded ${frames} frames to ${out}`);

function roundAll<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 10) / 10 : v])) as T;
}

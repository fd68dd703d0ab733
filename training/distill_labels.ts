// Labels a `train.py --dump` folder with a teacher model's calibrated probabilities, through the
// kiosk's own classifier code (onnxruntime-node), for `train.py --soft-targets`.
// Writes <dump folder>/teacher.f32 (or --out): N x 3 float32, in train.py's label order
// (without_mask, with_mask, mask_worn_incorrectly).
import { closeSync, existsSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine, runTool, UsageError } from '../src/cli/command-line';
import { MaskClassifier } from '../src/main/vision/classifier';

const LABEL_ORDER = ['without_mask', 'with_mask', 'mask_worn_incorrectly'];

const USAGE = 'Usage: node --import tsx training/distill_labels.ts <dump folder> [--model DIR] [--out FILE]';
const { folder, model, outName } = parseCommandLine(
  'distill_labels',
  USAGE,
  {
    allowPositionals: true,
    options: { model: { type: 'string', default: 'models/facemask-default' }, out: { type: 'string', default: 'teacher.f32' } },
  },
  ({ values, positionals }) => {
    if (positionals.length !== 1) throw new UsageError('give one dump folder (train.py --dump)');
    const folder = positionals[0]!;
    if (!existsSync(join(folder, 'meta.json'))) throw new UsageError(`${folder}: no meta.json (not a train.py --dump folder)`);
    return { folder, model: values.model, outName: values.out };
  },
);
await runTool('distill_labels', USAGE, async () => {
  const meta = JSON.parse(readFileSync(join(folder, 'meta.json'), 'utf8')) as { n: number; side: number };
  const teacher = await MaskClassifier.load(model);
  if (teacher.cropSize !== meta.side) throw new Error(`the teacher takes ${teacher.cropSize} px crops, the dump holds ${meta.side} px`);
  const missing = LABEL_ORDER.filter((l) => !teacher.model.labels.includes(l));
  if (missing.length) throw new Error(`the teacher has no label ${missing.join(', ')}`);

  const plane = meta.side * meta.side;
  const per = 3 * plane;
  const batch = 32;
  const teacherProbabilities = new Float32Array(meta.n * LABEL_ORDER.length);
  const planar = Buffer.alloc(per * batch);
  const fd = openSync(join(folder, 'crops.u8'), 'r');
  const started = performance.now();
  for (let start = 0; start < meta.n; start += batch) {
    const n = Math.min(batch, meta.n - start);
    readSync(fd, planar, 0, n * per, start * per);
    // The dump is planar (NCHW); the classifier takes interleaved RGB crops.
    const crops = Array.from({ length: n }, (_, k) => {
      const crop = new Uint8Array(per);
      const base = k * per;
      for (let i = 0; i < plane; i++) {
        crop[i * 3] = planar[base + i]!;
        crop[i * 3 + 1] = planar[base + plane + i]!;
        crop[i * 3 + 2] = planar[base + 2 * plane + i]!;
      }
      return crop;
    });
    const answers = await teacher.classify(crops);
    answers.forEach((a, k) => {
      LABEL_ORDER.forEach((label, j) => {
        teacherProbabilities[(start + k) * LABEL_ORDER.length + j] = a.probabilities[label]!;
      });
    });
  }
  closeSync(fd);
  await teacher.dispose();
  writeFileSync(join(folder, outName), teacherProbabilities);
  console.log(`${meta.n} crops labelled by ${teacher.model.id} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
});

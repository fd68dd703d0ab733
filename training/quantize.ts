// A classifier folder with its convolutions in int8 (static, QDQ), for ONNX Runtime's int8
// kernels: the graph as ONNX Runtime optimises it (constants folded, batch norms fused), the
// ranges of every convolution's input and output measured on val faces cut exactly as the kiosk
// cuts them, then training/qdq.py writes the quantized graph beside the folder's other files.
// Compare the result with `npm run scan -- --eval SET --model OUT` and `npm run bench -- --quick
// --model OUT`; docs/SPEED.md has what it measured for the default model.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, runTool, UsageError, wholeNumberOption } from '../src/cli/command-line';
import { listFiles } from '../src/cli/files';
import { DEFAULT_CLASSIFIER_DIR, PUBLISHED_DETECTOR_DIR, REPO_ROOT } from '../src/cli/model-paths';
import { findPython } from '../src/cli/python';
import { toPlanar } from '../src/main/vision/classifier';
import { cropSquare, squareAround } from '../src/main/vision/crop';
import { decodeImage } from '../src/main/vision/image';
import { readModelFolder } from '../src/main/vision/model-folder';
import { ort } from '../src/main/vision/ort';
import { DEFAULT_PIPELINE_OPTIONS, detectWithPasses, stillImagePasses, VisionPipeline } from '../src/main/vision/pipeline';
import { ResampleScratch } from '../src/main/vision/resample';

const USAGE =
  'Usage: tsx training/quantize.ts [--model DIR] [--out DIR] [--data DIR] [--every N] [--ranges mean|minmax] [--skip A,B] [--version V]';
const values = parseCommandLine(
  'quantize',
  USAGE,
  {
    options: {
      model: { type: 'string', default: DEFAULT_CLASSIFIER_DIR },
      out: { type: 'string', default: join(REPO_ROOT, 'training', '.cache', 'facemask-int8') },
      data: { type: 'string', default: join(process.env.FACEMASK_DATA ?? join(REPO_ROOT, '..', 'shared', 'data', 'facemask-v1'), 'val') },
      every: { type: 'string', default: '2' },
      ranges: { type: 'string', default: 'mean' },
      skip: { type: 'string', default: '' },
      // The model version the quantized folder gets (config.json, training.json); the source's otherwise.
      version: { type: 'string' },
    },
  },
  ({ values }) => {
    if (values.ranges !== 'mean' && values.ranges !== 'minmax')
      throw new UsageError(`--ranges must be mean or minmax, got "${values.ranges}"`);
    if (!existsSync(values.data))
      throw new UsageError(`--data ${values.data}: no such folder (facemask-v1's val split; set FACEMASK_DATA or pass --data)`);
    return { ...values, every: wholeNumberOption('every', values.every) };
  },
);

await runTool('quantize', USAGE, async () => {
  const work = mkdtempSync(join(tmpdir(), 'quantize-'));
  const python = findPython(['onnx', 'numpy']);
  const qdq = (...args: string[]) => {
    const r = spawnSync(python, [join(REPO_ROOT, 'training', 'qdq.py'), ...args], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`qdq.py ${args[0]} failed`);
  };
  try {
    const folder = readModelFolder(values.model);
    const optimised = join(work, 'optimised.onnx');
    // 'basic' keeps standard ONNX operators (no layout-specific ones), so the graph can be edited.
    const plain = await ort.InferenceSession.create(folder.modelPath, {
      graphOptimizationLevel: 'basic',
      optimizedModelFilePath: optimised,
      logSeverityLevel: 3,
    });
    await plain.release();
    const calibGraph = join(work, 'calibration.onnx');
    const targetsFile = join(work, 'targets.json');
    qdq('targets', optimised, calibGraph, targetsFile);
    const targets = JSON.parse(readFileSync(targetsFile, 'utf8')) as string[];

    // The faces the shipped teacher's ranges were measured on: cut by the published detector, as its training crops were.
    const pipeline = await VisionPipeline.load({ detectorFolder: PUBLISHED_DETECTOR_DIR, classifierFolder: values.model });
    const session = await ort.InferenceSession.create(calibGraph, { logSeverityLevel: 3 });
    const { resizeTo, inputSize } = folder.preprocessing;
    const scratch = new ResampleScratch();
    const stats = new Map<string, { min: number; max: number; sumMin: number; sumMax: number; n: number }>();
    const files = listFiles([join(values.data, 'with_mask'), join(values.data, 'without_mask')]).filter((_, i) => i % values.every === 0);
    let crops = 0;
    for (const file of files) {
      const image = await decodeImage(file);
      const { faces } = await detectWithPasses(pipeline.detector, image, stillImagePasses(), DEFAULT_PIPELINE_OPTIONS.stillImage.minScore);
      if (!faces.length) continue;
      const crop = cropSquare(
        image,
        squareAround(faces[0]!.box, DEFAULT_PIPELINE_OPTIONS.cropMargin),
        resizeTo,
        new Uint8Array(resizeTo * resizeTo * 3),
        scratch,
      );
      const planar = new Float32Array(3 * inputSize * inputSize);
      toPlanar(crop, folder.preprocessing, planar);
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', planar, [1, 3, inputSize, inputSize]) });
      for (const t of targets) {
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of out[t]!.data as Float32Array) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const s = stats.get(t) ?? { min: Infinity, max: -Infinity, sumMin: 0, sumMax: 0, n: 0 };
        stats.set(t, { min: Math.min(s.min, lo), max: Math.max(s.max, hi), sumMin: s.sumMin + lo, sumMax: s.sumMax + hi, n: s.n + 1 });
      }
      crops++;
    }
    await pipeline.dispose();
    console.log(`ranges of ${targets.length} activations from ${crops} val faces`);
    const rangesFile = join(work, 'ranges.json');
    const ranges = Object.fromEntries(
      [...stats].map(([t, s]) => [t, { min: s.min, max: s.max, meanMin: s.sumMin / s.n, meanMax: s.sumMax / s.n }]),
    );
    writeFileSync(rangesFile, JSON.stringify(ranges));

    mkdirSync(values.out, { recursive: true });
    for (const f of readdirSync(values.model)) if (f !== 'model.onnx') copyFileSync(join(values.model, f), join(values.out, f));
    qdq(
      'build',
      optimised,
      rangesFile,
      join(values.out, 'model.onnx'),
      '--ranges',
      values.ranges,
      ...(values.skip ? ['--skip', values.skip] : []),
    );
    const quantization = {
      method: 'static int8, QDQ: uint8 activations with one scale per tensor, int8 weights with one scale per output channel, int32 biases',
      tool: 'training/quantize.ts',
      calibration: `ranges of every quantized convolution's input and output on ${crops} facemask-v1 val faces, kiosk crops (${values.ranges === 'mean' ? "each face's extremes, averaged" : 'extremes over all faces'})`,
      float: values.skip ? `convolutions whose names contain ${values.skip.split(',').join(' or ')}` : 'none',
    };
    for (const name of ['config.json', 'training.json']) {
      const file = join(values.out, name);
      const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      const versioned = values.version ? { ...json, model_version: values.version } : json;
      writeFileSync(file, `${JSON.stringify(name === 'training.json' ? { ...versioned, quantization } : versioned, null, 2)}\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

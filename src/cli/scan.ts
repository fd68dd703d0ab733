// npm run scan -- <image|folder...> [--model DIR] [--json]
// npm run scan -- --eval <folder with with_mask/, without_mask/, incorrect/> [--visits] [--json]

import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { observationOf } from '../main/compliance/frame-handler';
import { decideStill } from '../main/compliance/still-decision';
import { DEFAULT_TRACKER_OPTIONS } from '../main/compliance/tracker';
import { ImageDecodeError } from '../main/vision/image';
import { DEFAULT_PIPELINE_OPTIONS, type FaceResult, type FrameResult, VisionPipeline } from '../main/vision/pipeline';
import { parseProviderList } from '../main/vision/runtime';
import { errorMessage } from '../shared/errors';
import { listFiles } from './files';
import { readLabelCorrections } from './label-corrections';
import { EVAL_CLASSES, type EvalClass, type EvalRecord, type EvalReport, evaluate, PREDICTIONS, subjectFace } from './metrics';
import { DEFAULT_CLASSIFIER_DIR, DEFAULT_DETECTOR_DIR, noseCheckFolder } from './model-paths';
import { inOrder } from './ordered-pool';
import { outcomeShares, pct, visitLine } from './visit-lines';
import { cameraSeed, DEFAULT_VISIT, decideVisit, type ObservedFrame, observeVisit, WALK_UP_VISIT } from './visits';

const USAGE = `Usage:
  npm run scan -- <image|folder...> [--model DIR] [--json]
  npm run scan -- --eval <folder with with_mask/, without_mask/ and optionally incorrect/> [--visits] [--json]
Options:
  --model DIR       classifier folder (Optimum layout); default models/facemask-default
  --detector DIR    face detector folder; default models/face-detector (models/blazeface: as published)
  --nose-check DIR  nose check folder, or "off"; default models/nose-check
  --border F        one black border for still images, as a fraction of the longer side
                    (default: try 0.1, then 0, then 0.4 until a face is found)
  --min-score F     face detector score threshold for still images (default 0.3)
  --providers LIST  execution providers to try, e.g. cuda,cpu
  --crop-margin F   face crop side = longer box side x (1 + F); default 0.2, what the
                    shipped classifier was trained on
  --corrections CSV with --eval: score photos whose published label is wrong by their corrected
                    label (training/label-corrections-v2.csv; paths inside the data set, matched
                    on the eval folder's name, e.g. test/with_mask/x.jpg)
  --visits          with --eval: also walk each image up to the kiosk as a 2 s visit at 15 fps
                    (camera shake and zoom, noise, JPEG, flickering light) through the real
                    tracker, and report what it decided first and when (slower: 30 frames an image)
  --walk-up         with --visits: the person first walks up, from a face a third as wide (about
                    3 m) to the visit's size in 1.5 s, then stands for the 2 s (53 frames an image)
  --follow-guidance with --visits: the person does what the screen asks where a photo can: asked
                    to step closer, they take a step (the face a third larger in 0.6 s; up to
                    three, each adding its time to the visit). Without it they stay where they
                    stand. A --record of it is marked so: replay keeps the steps taken
  --visit-seed N    with --visits: which draw of the camera (shake, zoom, noise, JPEG, light)
                    each image gets, a whole number; default 0. Every image gets the same visit
                    in every run with the same N; other N show how much a figure owes to the draw
  --record FILE     with --visits: also write every visit's camera frames as the tracker saw
                    them (faces, boxes, keypoints, probabilities), one JSON line per image, for
                    npm run replay to try other tracker settings on
  --jobs N          with --eval: images worked on at once, each with its own copy of the models
                    (default: 1, and with --visits one per core up to 4); results and their
                    order are the same for any N
  --json            one JSON object per line`;

class UsageError extends Error {}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      detector: { type: 'string' },
      'nose-check': { type: 'string' },
      eval: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      visits: { type: 'boolean', default: false },
      'walk-up': { type: 'boolean', default: false },
      'follow-guidance': { type: 'boolean', default: false },
      jobs: { type: 'string' },
      'visit-seed': { type: 'string' },
      record: { type: 'string' },
      corrections: { type: 'string' },
      border: { type: 'string' },
      'min-score': { type: 'string' },
      providers: { type: 'string' },
      'crop-margin': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const num = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a non-negative number, got "${v}"`);
    return n;
  };
  return {
    ...values,
    border: num('border', values.border),
    minScore: num('min-score', values['min-score']),
    cropMargin: num('crop-margin', values['crop-margin']),
    jobs: jobsOf(values.jobs),
    visitSeed: visitSeedOf(values['visit-seed']),
    providers: values.providers ? parseProviderList(values.providers.split(',')) : undefined,
    paths: positionals,
  };
}

function jobsOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new UsageError(`--jobs must be a whole number from 1 to 16, got "${v}"`);
  return n;
}

function visitSeedOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--visit-seed must be a whole number from 0 up, got "${v}"`);
  return n;
}

type Options = ReturnType<typeof parse>;

async function loadPipeline(opts: Options): Promise<VisionPipeline> {
  const classifierFolder = opts.model ?? DEFAULT_CLASSIFIER_DIR;
  if (!opts.model && !existsSync(classifierFolder)) {
    throw new UsageError(
      `No classifier at ${classifierFolder}. Pass --model DIR (a folder with model.onnx, config.json, preprocessor_config.json).`,
    );
  }
  return VisionPipeline.load({
    detectorFolder: opts.detector ?? DEFAULT_DETECTOR_DIR,
    classifierFolder,
    noseCheckFolder: noseCheckFolder(opts['nose-check']),
    stillImage: {
      borders: opts.border !== undefined ? [opts.border] : DEFAULT_PIPELINE_OPTIONS.stillImage.borders,
      minScore: opts.minScore ?? DEFAULT_PIPELINE_OPTIONS.stillImage.minScore,
    },
    runtime: opts.providers ? { providers: opts.providers } : {},
    ...(opts.cropMargin !== undefined ? { cropMargin: opts.cropMargin } : {}),
  });
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
const round = (v: number, places = 4): number => Number(v.toFixed(places));

function faceJson(file: string, index: number, count: number, f: FaceResult) {
  return {
    file,
    face: index + 1,
    faces: count,
    box: { x: Math.round(f.box.x), y: Math.round(f.box.y), width: Math.round(f.box.width), height: Math.round(f.box.height) },
    verdict: f.verdict,
    confidence: round(f.confidence),
    detectorScore: round(f.detectorScore),
    probabilities: Object.fromEntries(Object.entries(f.probabilities).map(([k, v]) => [k, round(v)])),
    ...(f.noseUncovered !== null ? { noseInView: round(f.noseUncovered) } : {}),
  };
}

/** The subject's calibrated probabilities in an eval record: what ROC AUC and later mixing need. */
function probabilitiesOf(f: FaceResult): Pick<EvalRecord, 'confidence' | 'pMask' | 'pIncorrect'> {
  const { mask = 0, incorrect } = f.verdictProbabilities;
  return {
    confidence: round(f.confidence),
    pMask: round(mask, 6),
    ...(incorrect !== undefined ? { pIncorrect: round(incorrect, 6) } : {}),
  };
}

/** Runs the pipeline on one file; a file that is not a usable image is reported, not fatal. */
async function analyse(pipeline: VisionPipeline, file: string): Promise<FrameResult | { error: string }> {
  try {
    return await pipeline.analyzeImage(file);
  } catch (err) {
    if (err instanceof ImageDecodeError) return { error: err.message };
    throw err;
  }
}

async function scan(opts: Options, out: (line: string) => void): Promise<void> {
  if (opts.paths.length === 0) throw new UsageError('Give at least one image or folder.');
  if (opts.jobs !== undefined) throw new UsageError('--jobs goes with --eval.');
  if (opts.record !== undefined) throw new UsageError('--record goes with --eval --visits.');
  const files = listFiles(opts.paths);
  const pipeline = await loadPipeline(opts);
  try {
    const provider = pipeline.providers.classifier;
    out(opts.json ? JSON.stringify({ provider, model: pipeline.modelId }) : `provider: ${provider}; model: ${pipeline.modelId}`);
    let skipped = 0;
    let faces = 0;
    for (const file of files) {
      const analysed = await analyse(pipeline, file);
      if ('error' in analysed) {
        skipped++;
        out(opts.json ? JSON.stringify({ file, skipped: true, error: analysed.error }) : `${file}  skipped: ${analysed.error}`);
        continue;
      }
      const result = analysed.faces;
      if (result.length === 0) out(opts.json ? JSON.stringify({ file, faces: 0 }) : `${file}  no face found`);
      result.forEach((f, i) => {
        faces++;
        if (opts.json) {
          out(JSON.stringify(faceJson(file, i, result.length, f)));
          return;
        }
        const b = f.box;
        out(
          `${file}  face ${i + 1}/${result.length}  box ${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}x${Math.round(b.height)}  ` +
            `${f.verdict.toUpperCase().replace('_', ' ')} ${pct(f.confidence)}` +
            (f.noseUncovered !== null ? `  (nose check: nose in view ${pct(f.noseUncovered)})` : ''),
        );
      });
    }
    if (!opts.json) out(`${plural(files.length, 'file')}, ${plural(faces, 'face')}, ${skipped} skipped`);
  } finally {
    await pipeline.dispose();
  }
}

async function runEval(opts: Options, out: (line: string) => void): Promise<EvalReport> {
  const [root] = opts.paths;
  if (!root || opts.paths.length > 1)
    throw new UsageError('--eval takes one folder holding with_mask/, without_mask/ and optionally incorrect/.');
  const classes = (Object.keys(EVAL_CLASSES) as EvalClass[]).filter((c) => existsSync(join(root, c)));
  if (classes.length === 0)
    throw new UsageError(
      `${root} holds none of ${Object.keys(EVAL_CLASSES)
        .map((c) => `${c}/`)
        .join(', ')}.`,
    );
  if (opts['walk-up'] && !opts.visits) throw new UsageError('--walk-up goes with --visits.');
  if (opts['follow-guidance'] && !opts.visits) throw new UsageError('--follow-guidance goes with --visits.');
  const visit = { ...(opts['walk-up'] ? WALK_UP_VISIT : DEFAULT_VISIT), obliging: opts['follow-guidance'] };
  const corrections = opts.corrections ? readLabelCorrections(opts.corrections) : new Map<string, EvalClass>();
  if (opts.record && !opts.visits) throw new UsageError('--record goes with --visits.');
  if (opts.visitSeed !== undefined && !opts.visits) throw new UsageError('--visit-seed goes with --visits.');
  const draw = opts.visitSeed ?? 0;
  const jobs = opts.jobs ?? (opts.visits ? Math.min(4, availableParallelism()) : 1);
  const recording = opts.record ? openSync(opts.record, 'w') : null;
  const pipelines: VisionPipeline[] = [];
  const records: EvalRecord[] = [];
  const skipped: { file: string; error: string }[] = [];
  const start = performance.now();
  try {
    for (let j = 0; j < jobs; j++) pipelines.push(await loadPipeline(opts));
    const items = classes.flatMap((expected) => listFiles([join(root, expected)]).map((file) => ({ expected, file })));
    type Judged = { file: string; error: string } | { record: EvalRecord; frames: ObservedFrame[] | null };
    const judge = async (pipeline: VisionPipeline, { expected, file }: (typeof items)[number]): Promise<Judged> => {
      const result = await analyse(pipeline, file);
      if ('error' in result) return { file, error: result.error };
      const face = subjectFace(result.faces, result.width, result.height);
      const corrected = corrections.get(`${basename(resolve(root))}/${relative(root, file).replaceAll('\\', '/')}`);
      const record: EvalRecord = {
        file: relative(root, file),
        expected: corrected ?? expected,
        ...(corrected && corrected !== expected ? { published: expected } : {}),
        predicted: face?.verdict ?? 'no_face',
        ...(face ? { ...probabilitiesOf(face), brightness: round(face.brightness, 3) } : {}),
        kiosk: decideStill(face ? observationOf(face) : undefined, result, DEFAULT_TRACKER_OPTIONS),
      };
      let frames: ObservedFrame[] | null = null;
      if (opts.visits) {
        frames = await observeVisit(
          readFileSync(file),
          cameraSeed(record.file, draw),
          (frame, at) => pipeline.analyzeFrame(frame, at),
          visit,
        );
        record.visit = decideVisit(frames);
      }
      return { record, frames };
    };
    await inOrder(pipelines, items, judge, (judged) => {
      if ('error' in judged) {
        skipped.push(judged);
        out(
          opts.json
            ? JSON.stringify({ file: judged.file, skipped: true, error: judged.error })
            : `${judged.file}  skipped: ${judged.error}`,
        );
        return;
      }
      records.push(judged.record);
      if (opts.json) out(JSON.stringify(judged.record));
      if (recording !== null && judged.frames) {
        const { file, expected, visit: decided } = judged.record;
        // A visitor who followed guidance took the steps this tracker asked for: replay says so.
        const steps = visit.obliging ? { followsGuidance: true } : {};
        writeSync(recording, `${JSON.stringify({ file, expected, visit: decided, ...steps, frames: judged.frames })}\n`);
      }
    });
  } finally {
    await Promise.all(pipelines.map((p) => p.dispose()));
    if (recording !== null) closeSync(recording);
  }
  const report = evaluate(records, (performance.now() - start) / 1000);
  const summary = {
    ...report,
    ...(opts.visits ? { visit: visit.approach ? 'walk-up' : 'standing', followsGuidance: visit.obliging, visitSeed: draw } : {}),
    skipped: skipped.length,
    provider: pipelines[0]!.providers.classifier,
    model: pipelines[0]!.modelId,
  };
  if (opts.json) {
    out(JSON.stringify(summary));
  } else {
    out(`model: ${summary.model}; provider: ${summary.provider}`);
    out(`images: ${report.n} (${skipped.length} skipped), faces found in ${report.nDetected}`);
    out(`accuracy (no face counts as wrong): ${pct(report.accuracy)}`);
    out(`accuracy on images with a face:     ${pct(report.accuracyDetected)}`);
    out(
      `balanced accuracy (mean recall):    ${pct(report.balancedAccuracy)} end to end, ${pct(report.balancedAccuracyDetected)} on detected faces`,
    );
    out(`balanced on the compliance line:    ${pct(report.balancedComplianceAccuracy)} end to end`);
    out(
      `no-face rate: ${pct(report.noFaceRate)}; detection rate: ${classes.map((c) => `${c} ${pct(report.detectionRate[c] ?? 0)}`).join(', ')}`,
    );
    for (const c of classes) {
      const v = EVAL_CLASSES[c];
      out(
        `${v}: precision ${pct(report.precision[v] ?? 0)}, recall ${pct(report.recall[v] ?? 0)} (on detected faces); right side of the compliance line ${pct(report.complianceRecall[c] ?? 0)}`,
      );
    }
    out(`confusion (rows: folder; columns: ${PREDICTIONS.join(', ')}):`);
    for (const c of classes) out(`  ${c.padEnd(13)} ${PREDICTIONS.map((p) => String(report.confusion[c]![p]).padStart(5)).join(' ')}`);
    out(`ROC AUC ${report.rocAuc.toFixed(4)}; expected calibration error ${report.ece.toFixed(4)}`);
    out(
      `at the kiosk's line, one view each (pass at P(mask) >= ${DEFAULT_TRACKER_OPTIONS.compliantAt}, refuse at <= ${DEFAULT_TRACKER_OPTIONS.violationAt}):`,
    );
    for (const c of classes) out(`  ${c.padEnd(13)} ${outcomeShares(report.kioskLine[c]!)}`);
    if (report.visits) {
      const walk = visit.approach ? `a ${visit.approach.seconds} s walk up, then ` : '';
      const steps = visit.obliging ? ', stepping closer when asked' : '';
      const camera = opts.visitSeed ? `, camera draw ${opts.visitSeed}` : '';
      out(
        `visits (${walk}${visit.seconds} s at ${visit.fps} fps${steps}${camera}, the first verdict; guidance, undecided and no_face: none came):`,
      );
      for (const c of classes) out(visitLine(c, report.visits[c]!));
    }
    out(`speed: ${report.imagesPerSecond.toFixed(1)} images/s`);
  }
  return report;
}

async function main(): Promise<number> {
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  try {
    const opts = parse(process.argv.slice(2));
    if (opts.help) {
      out(USAGE);
      return 0;
    }
    if (opts.eval) await runEval(opts, out);
    else await scan(opts, out);
    return 0;
  } catch (err) {
    const message = errorMessage(err);
    process.stderr.write(`scan: ${message}\n`);
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) process.stderr.write(`\n${USAGE}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main();

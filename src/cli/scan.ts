// npm run scan -- <image|folder...> [--model DIR] [--json]
// npm run scan -- --eval <folder with with_mask/, without_mask/, incorrect/> [--visits] [--json]

import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { observationOf } from '../main/compliance/frame-handler';
import { decideStill } from '../main/compliance/still-decision';
import { DEFAULT_TRACKER_OPTIONS } from '../main/compliance/tracker';
import { ImageDecodeError } from '../main/vision/image';
import { DEFAULT_PIPELINE_OPTIONS, type FaceResult, type FrameResult, VisionPipeline } from '../main/vision/pipeline';
import { labelFolders, runTool, UsageError } from './command-line';
import { evalReportLines } from './eval-report-lines';
import { listFiles } from './files';
import { readLabelCorrections } from './label-corrections';
import { type EvalClass, type EvalRecord, type EvalReport, evaluate, subjectFace } from './metrics';
import { DEFAULT_CLASSIFIER_DIR, DEFAULT_DETECTOR_DIR, noseCheckFolder } from './model-paths';
import { inOrder } from './ordered-pool';
import { parseScanOptions, type ScanOptions, USAGE } from './scan-options';
import { pct } from './visit-lines';
import { cameraSeed, DEFAULT_VISIT, decideVisit, type ObservedFrame, observeVisit, WALK_UP_VISIT } from './visits';

async function loadPipeline(opts: ScanOptions): Promise<VisionPipeline> {
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

async function scan(opts: ScanOptions, out: (line: string) => void): Promise<void> {
  if (opts.paths.length === 0) throw new UsageError('Give at least one image or folder.');
  if (opts.jobs !== undefined) throw new UsageError('--jobs goes with --eval.');
  if (opts.record !== undefined) throw new UsageError('--record goes with --eval --visits.');
  if (opts.tracker !== undefined) throw new UsageError('--tracker goes with --eval.');
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

async function runEval(opts: ScanOptions, out: (line: string) => void): Promise<EvalReport> {
  const [root] = opts.paths;
  if (!root || opts.paths.length > 1)
    throw new UsageError('--eval takes one folder holding with_mask/, without_mask/ and optionally incorrect/.');
  const folders = labelFolders(root, '.');
  const visitOnly = {
    '--walk-up': opts['walk-up'],
    '--follow-guidance': opts['follow-guidance'],
    '--record': opts.record !== undefined,
    '--visit-seed': opts.visitSeed !== undefined,
  };
  for (const [flag, given] of Object.entries(visitOnly)) if (given && !opts.visits) throw new UsageError(`${flag} goes with --visits.`);
  if (opts.tracker !== undefined && opts.record !== undefined)
    throw new UsageError('--record takes the default tracker (replay tries other settings on the recording); leave out --tracker.');
  const tracker = opts.tracker ?? {};
  const visit = { ...(opts['walk-up'] ? WALK_UP_VISIT : DEFAULT_VISIT), obliging: opts['follow-guidance'] };
  const corrections = opts.corrections ? readLabelCorrections(opts.corrections) : new Map<string, EvalClass>();
  const draw = opts.visitSeed ?? 0;
  const jobs = opts.jobs ?? (opts.visits ? Math.min(4, availableParallelism()) : 1);
  const recording = opts.record ? openSync(opts.record, 'w') : null;
  const pipelines: VisionPipeline[] = [];
  const records: EvalRecord[] = [];
  const skipped: { file: string; error: string }[] = [];
  const start = performance.now();
  try {
    for (let j = 0; j < jobs; j++) pipelines.push(await loadPipeline(opts));
    const items = folders.flatMap((expected) => listFiles([join(root, expected)]).map((file) => ({ expected, file })));
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
        kiosk: decideStill(face ? observationOf(face) : undefined, result, { ...DEFAULT_TRACKER_OPTIONS, ...tracker }),
      };
      let frames: ObservedFrame[] | null = null;
      if (opts.visits) {
        frames = await observeVisit(
          readFileSync(file),
          cameraSeed(record.file, draw),
          (frame, at) => pipeline.analyzeFrame(frame, at),
          visit,
          tracker,
        );
        record.visit = decideVisit(frames, tracker);
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
    ...(opts.tracker ? { tracker } : {}),
    skipped: skipped.length,
    provider: pipelines[0]!.providers.classifier,
    model: pipelines[0]!.modelId,
  };
  if (opts.json) out(JSON.stringify(summary));
  else {
    const context = {
      model: summary.model,
      provider: summary.provider,
      skipped: skipped.length,
      folders,
      visits: opts.visits ? { options: visit, draw } : null,
      tracker,
    };
    for (const line of evalReportLines(report, context)) out(line);
  }
  return report;
}

await runTool('scan', USAGE, async () => {
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const opts = parseScanOptions(process.argv.slice(2));
  if (opts.help) out(USAGE);
  else if (opts.eval) await runEval(opts, out);
  else await scan(opts, out);
});

// npm run bench [-- --quick] [--json] [--soak N] [--vit] [--model DIR] [--out FILE] (--help lists all)
// Runs the real pipeline (and tracker) on frames tiled from real test images, at several frame
// widths and face counts, and reports per-stage median and p99, frames per second and memory.
// Frames go to the vision engine process exactly as in the preview (the app's utility process
// speaks the same protocol); `handoff` is the cost of getting a frame there and the answer back.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp, { type OverlayOptions } from 'sharp';
import { observationOf } from '../main/compliance/frame-handler';
import { ComplianceTracker } from '../main/compliance/tracker';
import { MaskClassifier } from '../main/vision/classifier';
import { forkEngine } from '../main/vision/engine-process';
import type { RawImage } from '../main/vision/image';
import type { StageTimings } from '../main/vision/pipeline';
import { defaultIntraOpThreads } from '../main/vision/runtime';
import { VisionEngine } from '../main/vision/vision-engine';
import { parseCommandLine, runTool, wholeNumberOption } from './command-line';
import { listFiles } from './files';
import { DEFAULT_CLASSIFIER_DIR, DEFAULT_DETECTOR_DIR, noseCheckFolder, REPO_ROOT, VISION_ENGINE_SOURCE } from './model-paths';
import { findPython } from './python';

const USAGE = `Usage: npm run bench [-- options]
Options:
  --quick        one case only: a 640 px frame with one face (the speed budget's case)
  --json         one JSON report on stdout
  --frames N     frames per case (default 200; --quick runs at least 300)
  --threads N    ONNX Runtime threads per model (default: the kiosk's own choice, half the cores, at most 4)
  --soak N       N frames of one case, sampling the engine's memory as it goes
  --vit          also time a ViT-B/16-sized classifier (the seed BEiT's size)
  --model DIR    classifier folder (default models/facemask-default)
  --nose-check DIR  nose check folder, or "off" (default models/nose-check)
  --masked       faces from with_mask first (the nose check looks only at faces called a mask)
  --data DIR     folder with with_mask/ and without_mask/ portraits to tile into frames
  --photo FILE   tile this portrait instead (repeatable): e.g. a mask below the nose, which the
                 nose check and its face check look at
  --out FILE     where the full report goes (default .tmp/bench-report.json)`;

function parseOptions() {
  return parseCommandLine(
    'bench',
    USAGE,
    {
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        soak: { type: 'string' },
        vit: { type: 'boolean', default: false },
        frames: { type: 'string', default: '200' },
        threads: { type: 'string' },
        data: {
          type: 'string',
          default: join(process.env.FACEMASK_DATA ?? join(REPO_ROOT, '..', 'shared', 'data', 'facemask-v1'), 'test'),
        },
        model: { type: 'string', default: DEFAULT_CLASSIFIER_DIR },
        'nose-check': { type: 'string' },
        masked: { type: 'boolean', default: false },
        photo: { type: 'string', multiple: true },
        out: { type: 'string', default: join(REPO_ROOT, '.tmp', 'bench-report.json') },
        help: { type: 'boolean', default: false },
      },
    },
    ({ values }) => {
      if (values.help) {
        console.log(USAGE);
        process.exit(0);
      }
      const count = (name: 'soak' | 'threads') => {
        const v = values[name];
        return v === undefined ? undefined : wholeNumberOption(name, v);
      };
      for (const photo of values.photo ?? []) if (!existsSync(photo)) throw new Error(`--photo ${photo}: no such file`);
      if (!values.photo?.length && !existsSync(values.data))
        throw new Error(`--data ${values.data}: no such folder (a split of facemask-v1; set FACEMASK_DATA or pass --data or --photo)`);
      return { ...values, frames: wholeNumberOption('frames', values.frames), soak: count('soak'), threads: count('threads') };
    },
  );
}

const values = parseOptions();

type Stage = keyof Omit<StageTimings, 'decode' | 'total'> | 'track' | 'total';
const STAGES: Stage[] = ['convert', 'detect', 'crop', 'classify', 'nose', 'handoff', 'track', 'total'];

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;
const r2 = (v: number): number => Math.round(v * 100) / 100;

/** A frame `width` wide (4:3) with `faces` real portraits tiled in a grid. */
async function composeFrame(portraits: readonly string[], width: number, faces: number): Promise<RawImage> {
  const height = Math.round((width * 3) / 4);
  const cols = Math.ceil(Math.sqrt(faces));
  const rows = Math.ceil(faces / cols);
  const cellW = Math.floor(width / cols);
  const cellH = Math.floor(height / rows);
  const layers: OverlayOptions[] = [];
  for (let i = 0; i < faces; i++) {
    const tile = await sharp(portraits[i % portraits.length]!)
      .resize(Math.floor(cellW * 0.8), Math.floor(cellH * 0.8), { fit: 'inside' })
      .flatten({ background: '#fff' })
      .png()
      .toBuffer({ resolveWithObject: true });
    layers.push({
      input: tile.data,
      left: (i % cols) * cellW + Math.floor((cellW - tile.info.width) / 2),
      top: Math.floor(i / cols) * cellH + Math.floor((cellH - tile.info.height) / 2),
    });
  }
  const { data, info } = await sharp({ create: { width, height, channels: 4, background: '#8a8478' } })
    .composite(layers)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 4 };
}

// Frames carry the times a 15 fps camera would give them, so the classification schedule sees
// the kiosk's own pace however fast the bench sends them.
const CAMERA_FRAME_MS = 1000 / 15;

interface CaseReport {
  width: number;
  faces: number;
  facesFound: number;
  frames: number;
  stages: Record<Stage, { medianMs: number; p99Ms: number }>;
  medianMs: number;
  p99Ms: number;
  meanMs: number;
  /** Faces that went through the classifier, per face found and frame. */
  classifiedShare: number;
  fps: number;
  /** The kiosk process and the engine process together. */
  rssMb: number;
}

async function runCase(vision: VisionEngine, frame: RawImage, faces: number, frames: number): Promise<CaseReport> {
  const tracker = new ComplianceTracker();
  const samples: Record<Stage, number[]> = { convert: [], detect: [], crop: [], classify: [], nose: [], handoff: [], track: [], total: [] };
  let found = 0;
  let classified = 0;
  let seen = 0;
  const warmup = Math.min(20, frames);
  const wallStart = performance.now();
  for (let i = 0; i < frames + warmup; i++) {
    const t0 = performance.now();
    const result = await vision.analyzeFrame(frame, wallStart + i * CAMERA_FRAME_MS);
    const t1 = performance.now();
    tracker.update(result.faces.map(observationOf), frame, Date.now());
    const t2 = performance.now();
    if (i < warmup) continue;
    found = result.faces.length;
    classified += result.classified;
    seen += result.faces.length;
    samples.convert.push(result.timings.convert);
    samples.detect.push(result.timings.detect);
    samples.crop.push(result.timings.crop);
    samples.classify.push(result.timings.classify);
    samples.nose.push(result.timings.nose);
    samples.handoff.push(result.timings.handoff);
    samples.track.push(t2 - t1);
    samples.total.push(t2 - t0);
  }
  const elapsed = performance.now() - wallStart;
  const stages = {} as CaseReport['stages'];
  for (const s of STAGES) {
    const sorted = samples[s].sort((a, b) => a - b);
    stages[s] = { medianMs: r2(percentile(sorted, 50)), p99Ms: r2(percentile(sorted, 99)) };
  }
  return {
    width: frame.width,
    faces,
    facesFound: found,
    frames,
    stages,
    medianMs: stages.total.medianMs,
    p99Ms: stages.total.p99Ms,
    meanMs: r2(samples.total.reduce((a, b) => a + b, 0) / Math.max(1, samples.total.length)),
    classifiedShare: r2(seen ? classified / seen : 0),
    fps: r2(((frames + warmup) * 1000) / elapsed),
    rssMb: mb(process.memoryUsage().rss + (await vision.memory()).rss),
  };
}

/** A ViT-B/16-sized graph with the BEiT export's interface, random weights: for speed only. */
function vitFolder(): string {
  const dir = join(REPO_ROOT, 'models', '.cache', 'vit-b16-beit-interface');
  if (!existsSync(join(dir, 'model.onnx'))) {
    const made = spawnSync(findPython(['torch', 'onnx']), [join(REPO_ROOT, 'scripts', 'make_vit_b16.py'), dir], { stdio: 'inherit' });
    if (made.status !== 0) throw new Error('could not generate the ViT-B/16 graph (needs apt python3-torch python3-onnx)');
  }
  return dir;
}

/**
 * The classifier on its own, on the portraits scaled to its crop size: real faces, because a
 * cascade's cost depends on how sure its first stage is of the face in front of it.
 */
async function classifierCost(
  folder: string,
  portraits: readonly string[],
  batches: readonly number[],
  runs: number,
): Promise<{ model: string; folder: string; perBatch: { faces: number; medianMs: number; perFaceMs: number }[] }> {
  const classifier = await MaskClassifier.load(folder);
  const side = classifier.cropSize;
  const faces = await Promise.all(
    portraits
      .slice(0, Math.max(...batches))
      .map(async (file) => new Uint8Array(await sharp(file).resize(side, side, { fit: 'cover' }).removeAlpha().raw().toBuffer())),
  );
  const perBatch = [];
  for (const n of batches) {
    const crops = Array.from({ length: n }, (_, i) => faces[i % faces.length]!);
    for (let i = 0; i < 3; i++) await classifier.classify(crops);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await classifier.classify(crops);
      times.push(performance.now() - t);
    }
    const median = percentile(
      times.sort((a, b) => a - b),
      50,
    );
    perBatch.push({ faces: n, medianMs: r2(median), perFaceMs: r2(median / n) });
  }
  await classifier.dispose();
  return { model: classifier.model.id, folder, perBatch };
}

function table(cases: CaseReport[]): string {
  const head = ['width', 'faces', 'found', ...STAGES.map((s) => `${s} med/p99`), 'mean', 'classified', 'fps', 'rss MB'];
  const rows = cases.map((c) => [
    String(c.width),
    String(c.faces),
    String(c.facesFound),
    ...STAGES.map((s) => `${c.stages[s].medianMs.toFixed(2)}/${c.stages[s].p99Ms.toFixed(2)}`),
    c.meanMs.toFixed(2),
    `${Math.round(c.classifiedShare * 100)} %`,
    c.fps.toFixed(0),
    String(c.rssMb),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((v, i) => v.padStart(widths[i]!)).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const folders = ['without_mask', 'with_mask'].map((f) => join(values.data, f));
  if (values.masked) folders.reverse();
  const portraits = values.photo?.length ? values.photo : listFiles(folders).filter((_, i) => i % 37 === 0);
  // Every frame classified is the budget's case; "as scheduled" is what the kiosk does (see
  // src/main/vision/classify-schedule.ts).
  const startEngine = (scheduled: boolean) =>
    VisionEngine.start({
      launch: forkEngine(VISION_ENGINE_SOURCE, { execArgv: values.soak ? ['--expose-gc'] : [] }),
      pipeline: {
        detectorFolder: DEFAULT_DETECTOR_DIR,
        classifierFolder: values.model,
        noseCheckFolder: noseCheckFolder(values['nose-check']),
        ...(scheduled ? {} : { classifySchedule: null }),
        runtime: values.threads ? { intraOpThreads: values.threads } : {},
      },
      log: (level, message) => console.error(`${level}: ${message}`),
    });
  const vision = await startEngine(false);
  const { frames } = values;
  const info = {
    provider: vision.info.providers.classifier,
    model: vision.info.modelId,
    node: process.version,
    cpus: (await import('node:os')).cpus()[0]?.model,
    threads: values.threads ?? defaultIntraOpThreads(),
  };

  if (values.soak) {
    const n = values.soak;
    const frame = await composeFrame(portraits, 640, 1);
    const tracker = new ComplianceTracker();
    // RSS is both processes (the kiosk's and the engine's); the heap figures are the engine's own V8 heap.
    const rss: { frame: number; rssMb: number; engineRssMb: number; heapMb: number; heapTotalMb: number; externalMb: number }[] = [];
    const t0 = performance.now();
    const warmup = Math.max(1, Math.floor(n / 10));
    const every = Math.max(1, Math.floor((n - warmup) / 20));
    const loadedRssMb = mb(process.memoryUsage().rss + (await vision.memory()).rss);
    for (let i = 0; i < n; i++) {
      const result = await vision.analyzeFrame(frame);
      tracker.update(result.faces.map(observationOf), frame, Date.now());
      // The first tenth of the run is warm-up: start-up memory (model loading, composing the test
      // frame, the main isolate settling) is still being returned then, by as much as 13 MB in one
      // run and not at all in another. The start sample closes it, then twenty more follow.
      const done = i + 1;
      if (done === warmup || (done > warmup && (done - warmup) % every === 0) || done === n) {
        (globalThis as { gc?: () => void }).gc?.();
        const w = await vision.memory();
        rss.push({
          frame: done,
          rssMb: mb(process.memoryUsage().rss + w.rss),
          engineRssMb: mb(w.rss),
          heapMb: mb(w.heapUsed),
          heapTotalMb: mb(w.heapTotal),
          externalMb: mb(w.external),
        });
      }
    }
    const start = rss[0]!.rssMb;
    const middle = rss[Math.floor(rss.length / 2)]!.rssMb;
    const end = rss.at(-1)!.rssMb;
    const report = {
      soak: n,
      warmupFrames: warmup,
      seconds: r2((performance.now() - t0) / 1000),
      rssMb: { loaded: loadedRssMb, start, middle, end },
      growthPercent: r2(((end - start) / start) * 100),
      // The engine alone: where a leak in the pipeline would show.
      engineGrowthPercent: r2(((rss.at(-1)!.engineRssMb - rss[0]!.engineRssMb) / rss[0]!.engineRssMb) * 100),
      samples: rss,
      ...info,
    };
    console.log(values.json ? JSON.stringify(report) : report);
    await vision.dispose();
    return;
  }

  const configs = (values.quick ? [[640, 1]] : [320, 640, 1280].flatMap((w) => [1, 2, 4, 8].map((f) => [w, f]))) as [number, number][];
  const perCase = values.quick ? Math.max(frames, 300) : frames;
  const composed = await Promise.all(configs.map(([width, faces]) => composeFrame(portraits, width, faces)));
  const cases: CaseReport[] = [];
  for (const [i, [, faces]] of configs.entries()) cases.push(await runCase(vision, composed[i]!, faces, perCase));
  await vision.dispose();
  const scheduledVision = await startEngine(true);
  const scheduled: CaseReport[] = [];
  for (const [i, [, faces]] of configs.entries()) scheduled.push(await runCase(scheduledVision, composed[i]!, faces, perCase));
  await scheduledVision.dispose();

  if (values.quick) {
    const [c, s] = [cases[0]!, scheduled[0]!];
    const brief = (r: CaseReport) => ({ medianMs: r.medianMs, p99Ms: r.p99Ms, meanMs: r.meanMs, classifiedShare: r.classifiedShare });
    console.log(
      JSON.stringify({ medianMs: c.medianMs, p99Ms: c.p99Ms, fps: c.fps, stages: c.stages, rssMb: c.rssMb, scheduled: brief(s), ...info }),
    );
    return;
  }
  const classifiers = [await classifierCost(values.model, portraits, [1, 4, 8], 30)];
  if (values.vit) classifiers.push(await classifierCost(vitFolder(), portraits, [1, 4, 8], 5));
  const report = { date: new Date().toISOString(), ...info, cases, scheduled, classifiers };
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  if (values.json) {
    console.log(JSON.stringify(report));
  } else {
    console.log(`provider ${info.provider}; model ${info.model}; ${info.cpus}\n`);
    console.log(table(cases));
    console.log('\nas scheduled (a still frame at 15 fps: each face classified again every refresh):');
    console.log(table(scheduled));
    console.log('\nclassifier alone, on the portraits scaled to its crop (median per batch / per face):');
    for (const c of classifiers)
      console.log(
        `  ${c.model}: ${c.perBatch.map((b) => `${b.faces} face${b.faces > 1 ? 's' : ''} ${b.medianMs} ms (${b.perFaceMs}/face)`).join(', ')}`,
      );
    console.log(`\nreport written to ${values.out}`);
  }
}

await runTool('bench', USAGE, main);

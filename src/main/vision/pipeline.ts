// detect -> crop -> classify, for camera frames and for still images.
import { performance } from 'node:perf_hooks';
import type { Verdict } from '../../shared/verdicts';
import type { KeypointName } from './blazeface-decode';
import { MaskClassifier } from './classifier';
import { type ClassifySchedule, DEFAULT_CLASSIFY_SCHEDULE } from './classify-schedule';
import { cropSquare, meanLuminance, squareAround } from './crop';
import { type Box, type DetectedFace, type DetectorOptions, FaceDetector, type Point } from './detector';
import { FaceClassification } from './face-classification';
import { decodeImage, type RawImage } from './image';
import { NoseCheck } from './nose-check';
import { ResampleScratch } from './resample';
import { describeProvider, type RuntimeOptions } from './runtime';

export interface PipelineOptions {
  detectorFolder: string;
  classifierFolder: string;
  /** The nose check's folder (see nose-check.ts); null runs the classifier alone. */
  noseCheckFolder: string | null;
  /** Face crop side = longer box side x (1 + margin). */
  cropMargin: number;
  /** At most this many faces per frame are classified, the largest (nearest) first. */
  maxFaces: number;
  detector: Partial<DetectorOptions>;
  /**
   * Detection on still images. Portraits and tight crops need room around the face (see
   * DetectorOptions.border), and masked faces score lower; a lobby camera frame has neither
   * problem to the same degree. Each border is tried in turn until a face is found.
   */
  stillImage: { borders: number[]; minScore: number };
  /**
   * Camera frames in which the whole-frame pass finds nobody get a second pass over this region
   * (fractions of the frame), enlarged: a face too far away for the whole-frame pass (under
   * about 80 px at 640 px) is found there, so the kiosk can ask the person to step closer. Costs
   * nothing when a face is found at once. null turns it off.
   */
  zoomRegion: { x: number; y: number; width: number; height: number } | null;
  labelOverrides: Record<string, Verdict>;
  /** When camera frames reuse a person's classification (see classify-schedule.ts); null classifies every frame. */
  classifySchedule: ClassifySchedule | null;
  runtime: RuntimeOptions;
}

export const DEFAULT_PIPELINE_OPTIONS: Omit<PipelineOptions, 'detectorFolder' | 'classifierFolder'> = {
  noseCheckFolder: null,
  cropMargin: 0.2,
  maxFaces: 8,
  detector: {},
  // Chosen on the val split with BlazeFace as published: one pass at 0.1 finds 98.4 % of masked
  // faces at score 0.3; falling back to no border, then 0.4, finds 99.4 % (unmasked: 99.7 %).
  // The fine-tuned detector finds every val face at 0.3, and as many at 0.5, but a higher line
  // also shrinks the boxes weighted NMS averages (about 3 %), which costs the classifier and the
  // nose check, both trained on crops cut at 0.3 (with nose check 1.2.0, two of the test split's
  // nine real masks below the nose no longer told to pull up).
  stillImage: { borders: [0.1, 0, 0.4], minScore: 0.3 },
  zoomRegion: { x: 0.25, y: 0.1, width: 0.5, height: 0.6 },
  labelOverrides: {},
  classifySchedule: DEFAULT_CLASSIFY_SCHEDULE,
  runtime: {},
};

export interface DetectionPass {
  border: number;
  region?: Box;
}

/** The still-image passes: each border of `stillImage.borders` in turn. */
export function stillImagePasses(still: PipelineOptions['stillImage'] = DEFAULT_PIPELINE_OPTIONS.stillImage): DetectionPass[] {
  return still.borders.map((border) => ({ border }));
}

/** A camera frame's passes: the whole frame, then (when it finds nobody) the zoom region, enlarged. */
export function cameraFramePasses(
  image: { width: number; height: number },
  border: number,
  zoom: PipelineOptions['zoomRegion'] = DEFAULT_PIPELINE_OPTIONS.zoomRegion,
): DetectionPass[] {
  const passes: DetectionPass[] = [{ border }];
  if (zoom) {
    passes.push({
      border: 0,
      region: { x: zoom.x * image.width, y: zoom.y * image.height, width: zoom.width * image.width, height: zoom.height * image.height },
    });
  }
  return passes;
}

/**
 * Runs detection passes in turn until one finds a face; faces come back most confident first,
 * with the pass that found them (-1: none did). The kiosk, the CLI and the training export all
 * detect through here, so they frame faces identically. `timing` accumulates milliseconds.
 */
export async function detectWithPasses(
  detector: FaceDetector,
  image: RawImage,
  passes: readonly DetectionPass[],
  minScore?: number,
  timing: { convert: number; detect: number } = { convert: 0, detect: 0 },
): Promise<{ faces: DetectedFace[]; pass: number }> {
  for (const [index, { border, region }] of passes.entries()) {
    let t = performance.now();
    const lb = detector.prepare(image, border, region);
    timing.convert += performance.now() - t;
    t = performance.now();
    const faces = await detector.infer(lb, minScore === undefined ? {} : { minScore });
    timing.detect += performance.now() - t;
    if (faces.length > 0) return { faces: faces.sort((a, b) => b.score - a.score), pass: index };
  }
  return { faces: [], pass: -1 };
}

export interface FaceResult {
  box: Box;
  keypoints: Record<KeypointName, Point>;
  detectorScore: number;
  verdict: Verdict;
  confidence: number;
  verdictProbabilities: Partial<Record<Verdict, number>>;
  probabilities: Record<string, number>;
  /** The nose check's P(nose in view), when it looked at this face (only faces the classifier calls a mask). */
  noseUncovered: number | null;
  /** With `noseUncovered`: the check's line at which a thank-you waits (nose-check.ts `doubtAt`). */
  noseDoubtAt: number | null;
  /** Mean luminance of the face crop, 0..1. */
  brightness: number;
}

export interface StageTimings {
  decode: number;
  /** Frame into the detector's input tensor. */
  convert: number;
  detect: number;
  crop: number;
  classify: number;
  /** The nose check, part of `classify`. */
  nose: number;
  /** Getting the frame to the vision engine process and the answer back; 0 when run in the caller's process. */
  handoff: number;
  total: number;
}

export interface FrameResult {
  width: number;
  height: number;
  faces: FaceResult[];
  /** How many of the faces went through the classifier in this frame; the others reused a recent answer. */
  classified: number;
  timings: StageTimings;
}

export class VisionPipeline {
  // Reused every frame: one crop buffer per face slot, and the resampler's tap tables.
  private readonly cropBuffers: Uint8Array[] = [];
  private readonly scratch = new ResampleScratch();
  private readonly faces: FaceClassification;

  private constructor(
    readonly detector: FaceDetector,
    readonly classifier: MaskClassifier,
    readonly noseCheck: NoseCheck | null,
    readonly options: PipelineOptions,
  ) {
    this.faces = new FaceClassification(classifier, noseCheck, options.classifySchedule);
  }

  static async load(
    options: Partial<PipelineOptions> & Pick<PipelineOptions, 'detectorFolder' | 'classifierFolder'>,
  ): Promise<VisionPipeline> {
    const opts: PipelineOptions = { ...DEFAULT_PIPELINE_OPTIONS, ...options };
    const detector = await FaceDetector.load(opts.detectorFolder, opts.detector, opts.runtime);
    let classifier: MaskClassifier | null = null;
    try {
      classifier = await MaskClassifier.load(opts.classifierFolder, {
        labelOverrides: opts.labelOverrides,
        runtime: opts.runtime,
      });
      const noseCheck = opts.noseCheckFolder ? await NoseCheck.load(opts.noseCheckFolder, opts.runtime) : null;
      return new VisionPipeline(detector, classifier, noseCheck, opts);
    } catch (err) {
      await Promise.all([detector.dispose(), classifier?.dispose()]);
      throw err;
    }
  }

  /** The execution provider each model runs on, with the reasons for any fallback. */
  get providers(): { detector: string; classifier: string } {
    return { detector: describeProvider(this.detector.session), classifier: describeProvider(this.classifier.session) };
  }

  /** What decides: the classifier's id, and the nose check's version when one runs. */
  get modelId(): string {
    const id = this.classifier.model.id;
    return this.noseCheck ? `${id} + nose check ${this.noseCheck.config.model_version}` : id;
  }

  /** The provider the classifier actually runs on: what the status strip shows. */
  get activeProvider(): string {
    return this.classifier.provider;
  }

  /**
   * A camera frame (RGB or RGBA), taken at `capturedAt` milliseconds (the engine's clock unless
   * the caller keeps its own, as a simulated camera does): the schedule's clock.
   */
  analyzeFrame(image: RawImage, capturedAt = performance.now()): Promise<FrameResult> {
    const passes = cameraFramePasses(image, this.detector.options.border, this.options.zoomRegion);
    return this.run(image, passes, undefined, 0, performance.now(), capturedAt);
  }

  /** A JPEG, PNG or WebP file or buffer. Throws ImageDecodeError for anything else. */
  async analyzeImage(input: string | Uint8Array): Promise<FrameResult> {
    const start = performance.now();
    const image = await decodeImage(input);
    return this.run(
      image,
      stillImagePasses(this.options.stillImage),
      this.options.stillImage.minScore,
      performance.now() - start,
      start,
      null,
    );
  }

  private async run(
    image: RawImage,
    passes: readonly DetectionPass[],
    minScore: number | undefined,
    decodeMs: number,
    start: number,
    /** When a camera frame was taken; null for a still image, which is always classified. */
    capturedAt: number | null,
  ): Promise<FrameResult> {
    const timing = { convert: 0, detect: 0 };
    const found = (await detectWithPasses(this.detector, image, passes, minScore, timing)).faces;
    // Over the cap the nearest (largest) faces are kept: the visitor at the kiosk, not the crowd
    // behind, whom the detector can be surer of (it scores a masked face lower than a bare one).
    const { maxFaces } = this.options;
    const detected = found.length > maxFaces ? found.toSorted((a, b) => b.box.width - a.box.width).slice(0, maxFaces) : found;

    let t = performance.now();
    const { cropSize } = this.classifier;
    const crops = detected.map((face, i) => {
      if (this.cropBuffers[i]?.length !== cropSize * cropSize * 3) this.cropBuffers[i] = new Uint8Array(cropSize * cropSize * 3);
      return cropSquare(image, squareAround(face.box, this.options.cropMargin), cropSize, this.cropBuffers[i], this.scratch);
    });
    const cropMs = performance.now() - t;

    t = performance.now();
    const noseTiming = { nose: 0 };
    const { classes, classified } = await this.faces.classify(image, detected, crops, capturedAt, noseTiming);
    const classifyMs = performance.now() - t;

    const faces = detected.map((face, i): FaceResult => {
      const c = classes[i]!;
      return {
        box: face.box,
        keypoints: face.keypoints,
        detectorScore: face.score,
        verdict: c.verdict,
        confidence: c.confidence,
        verdictProbabilities: c.verdictProbabilities,
        probabilities: c.probabilities,
        noseUncovered: c.noseUncovered ?? null,
        noseDoubtAt: c.noseDoubtAt ?? null,
        brightness: meanLuminance(crops[i]!),
      };
    });
    return {
      width: image.width,
      height: image.height,
      faces,
      classified,
      timings: {
        decode: decodeMs,
        convert: timing.convert,
        detect: timing.detect,
        crop: cropMs,
        classify: classifyMs,
        nose: noseTiming.nose,
        handoff: 0,
        total: performance.now() - start,
      },
    };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.detector.dispose(), this.faces.dispose()]);
  }
}

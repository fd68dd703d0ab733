// BlazeFace short-range face detector on frames of any size: letterbox into 128x128, run,
// decode, weighted NMS, and map boxes back into frame pixels.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Box } from '../../shared/contract';
import {
  type Detection,
  decodeDetections,
  generateAnchors,
  INPUT_SIZE,
  KEYPOINT_NAMES,
  type KeypointName,
  weightedNms,
} from './blazeface-decode';
import type { RawImage } from './image';
import { ort } from './ort';
import { ResampleScratch, resampleWindow } from './resample';
import { createSession, type LoadedSession, type RuntimeOptions } from './runtime';

export type { Box };

export interface Point {
  x: number;
  y: number;
}

export interface DetectedFace {
  box: Box;
  keypoints: Record<KeypointName, Point>;
  score: number;
}

export interface DetectorOptions {
  /** Detections below this probability are dropped. */
  minScore: number;
  /** Overlap above which detections merge in weighted NMS. */
  iouThreshold: number;
  /**
   * Black border added on every side, as a fraction of the frame's longer side. The short-range
   * model was trained on faces filling part of a selfie frame; tight face crops and portraits
   * need room around the face to be found.
   */
  border: number;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = { minScore: 0.5, iouThreshold: 0.3, border: 0 };

/** How a frame sits inside the 128x128 input: input = frame * scale + offset. */
export interface Letterbox {
  scale: number;
  offsetX: number;
  offsetY: number;
  resizedWidth: number;
  resizedHeight: number;
}

export function letterbox(width: number, height: number, border: number): Letterbox {
  const canvas = Math.max(width, height) * (1 + 2 * border);
  const scale = INPUT_SIZE / canvas;
  const resizedWidth = Math.max(1, Math.min(INPUT_SIZE, Math.round(width * scale)));
  const resizedHeight = Math.max(1, Math.min(INPUT_SIZE, Math.round(height * scale)));
  return {
    // The scale actually applied per axis differs from `scale` by rounding; use the exact one
    // along the longer side so mapped-back boxes land on the right pixels.
    scale: width >= height ? resizedWidth / width : resizedHeight / height,
    offsetX: Math.floor((INPUT_SIZE - resizedWidth) / 2),
    offsetY: Math.floor((INPUT_SIZE - resizedHeight) / 2),
    resizedWidth,
    resizedHeight,
  };
}

/** Maps a normalised model-space detection back to frame pixels. */
export function toFrame(d: Detection, lb: Letterbox): DetectedFace {
  const fx = (v: number): number => (v * INPUT_SIZE - lb.offsetX) / lb.scale;
  const fy = (v: number): number => (v * INPUT_SIZE - lb.offsetY) / lb.scale;
  const keypoints = {} as Record<KeypointName, Point>;
  KEYPOINT_NAMES.forEach((name, k) => {
    keypoints[name] = { x: fx(d.keypoints[k * 2]!), y: fy(d.keypoints[k * 2 + 1]!) };
  });
  return {
    box: {
      x: fx(d.cx - d.w / 2),
      y: fy(d.cy - d.h / 2),
      width: (d.w * INPUT_SIZE) / lb.scale,
      height: (d.h * INPUT_SIZE) / lb.scale,
    },
    keypoints,
    score: d.score,
  };
}

export const DETECTOR_MODEL_FILE = 'model.onnx';

export class FaceDetector {
  private readonly anchors = generateAnchors();
  // Reused across frames: the detector runs on every camera frame.
  private readonly input = new Float32Array(INPUT_SIZE * INPUT_SIZE * 3);
  private readonly pixels = new Uint8Array(INPUT_SIZE * INPUT_SIZE * 3);
  private readonly scratch = new ResampleScratch();
  private readonly inputTensor: ort.Tensor;
  private readonly outputs: { scores: string; boxes: string; anchorOffset: number }[];
  // Outputs written by ORT into our own buffers: nothing is allocated per frame for them.
  private readonly fetches: Record<string, ort.Tensor> = {};

  private constructor(
    private readonly loaded: LoadedSession,
    readonly options: DetectorOptions,
  ) {
    this.inputTensor = new ort.Tensor('float32', this.input, [1, INPUT_SIZE, INPUT_SIZE, 3]);
    this.outputs = pairOutputs(loaded.session);
    for (const { scores, boxes, anchorOffset } of this.outputs) {
      const anchors = anchorOffset === 0 ? 512 : 384;
      this.fetches[scores] = new ort.Tensor('float32', new Float32Array(anchors), [1, anchors, 1]);
      this.fetches[boxes] = new ort.Tensor('float32', new Float32Array(anchors * 16), [1, anchors, 16]);
    }
  }

  static async load(folder: string, options: Partial<DetectorOptions> = {}, runtime: RuntimeOptions = {}): Promise<FaceDetector> {
    const file = join(folder, DETECTOR_MODEL_FILE);
    if (!existsSync(file)) {
      throw new Error(`Face detector model missing: ${file}. Run \`npm run setup\` to install it.`);
    }
    const loaded = await createSession(file, runtime);
    return new FaceDetector(loaded, { ...DEFAULT_DETECTOR_OPTIONS, ...options });
  }

  get provider(): LoadedSession['provider'] {
    return this.loaded.provider;
  }

  get session(): LoadedSession {
    return this.loaded;
  }

  async detect(image: RawImage, overrides: Partial<DetectorOptions> = {}): Promise<DetectedFace[]> {
    const opts = { ...this.options, ...overrides };
    return this.infer(this.prepare(image, opts.border), opts);
  }

  /**
   * Letterboxes the image, or the `region` of it, into the model's reused input tensor (the
   * "convert" stage). Boxes found are mapped back to whole-frame pixels either way.
   */
  prepare(image: RawImage, border: number = this.options.border, region?: Box): Letterbox {
    const lb = letterbox(region?.width ?? image.width, region?.height ?? image.height, border);
    if (region) {
      lb.offsetX -= region.x * lb.scale;
      lb.offsetY -= region.y * lb.scale;
    }
    const side = INPUT_SIZE / lb.scale;
    resampleWindow(
      image,
      { x: -lb.offsetX / lb.scale, y: -lb.offsetY / lb.scale, width: side, height: side },
      INPUT_SIZE,
      INPUT_SIZE,
      this.pixels,
      this.scratch,
    );
    // The model expects RGB in [-1, 1].
    for (let i = 0; i < this.input.length; i++) this.input[i] = this.pixels[i]! / 127.5 - 1;
    return lb;
  }

  /** Runs the model on the prepared input and decodes faces in frame pixels. */
  async infer(lb: Letterbox, overrides: Partial<DetectorOptions> = {}): Promise<DetectedFace[]> {
    const opts = { ...this.options, ...overrides };
    await this.loaded.session.run({ [this.loaded.session.inputNames[0]!]: this.inputTensor }, this.fetches);
    const candidates: Detection[] = [];
    for (const { scores, boxes, anchorOffset } of this.outputs) {
      decodeDetections(
        this.fetches[scores]!.data as Float32Array,
        this.fetches[boxes]!.data as Float32Array,
        this.anchors,
        anchorOffset,
        opts.minScore,
        candidates,
      );
    }
    return weightedNms(candidates, opts.iouThreshold).map((d) => toFrame(d, lb));
  }

  async dispose(): Promise<void> {
    await this.loaded.session.release();
  }
}

/**
 * The converted model names its outputs Identity..Identity_3; match them by shape instead:
 * [1, n, 1] are scores and [1, n, 16] boxes, 512 anchors for the 16x16 grid and 384 for 8x8.
 */
function pairOutputs(session: ort.InferenceSession): { scores: string; boxes: string; anchorOffset: number }[] {
  const shapes = new Map<string, readonly (number | string)[]>();
  for (const meta of session.outputMetadata) {
    if (meta.isTensor) shapes.set(meta.name, meta.shape);
  }
  const find = (anchors: number, last: number): string => {
    for (const [name, shape] of shapes) if (shape[1] === anchors && shape[2] === last) return name;
    throw new Error(
      `Face detector model has no output of shape [1, ${anchors}, ${last}]; outputs are ` +
        [...shapes].map(([n, s]) => `${n} [${s.join(', ')}]`).join(', '),
    );
  };
  return [
    { scores: find(512, 1), boxes: find(512, 16), anchorOffset: 0 },
    { scores: find(384, 1), boxes: find(384, 16), anchorOffset: 512 },
  ];
}

// The nose check: a small network asked only "is the nose in view?" on the patch nose-patch.ts
// cuts. The whole-face classifier learned from photos where a mask mostly means "lower face
// covered", so a real mask pulled below the nose often still reads as a mask; this check looks
// where that difference is. Its folder: model.onnx (input [N, 3, 32, 32] float RGB in 0..1,
// output [N, 1] logit of "uncovered"), config.json (version, the patch's geometry, the veto
// threshold) and optionally face-check.onnx: MediaPipe's face mesh cut to its "is there a face?"
// output (input [N, 3, 192, 192] RGB in 0..1, the face's box widened to 1.5 times its side;
// output [N, 1] P(face)). On a small, blurred crowd face BlazeFace's keypoints can put the patch
// on hair or an ear, whose skin reads as a nose in view; where the face mesh sees no face in the
// box, the check's word is not taken. It runs only for faces the check would tell to pull up, so
// it costs nothing otherwise.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../../shared/errors';
import { firstIssue } from '../../shared/zod-issue';
import type { KeypointName } from './blazeface-decode';
import { type Classification, toPlanar } from './classifier';
import { cropSquare, squareAround } from './crop';
import type { Box, Point } from './detector';
import type { RawImage } from './image';
import { ModelFolderError, type Preprocessing } from './model-folder';
import { NosePatchGeometrySchema, placeNosePatch, samplePatch } from './nose-patch';
import { ort } from './ort';
import { createSession, type LoadedSession, type RuntimeOptions } from './runtime';

export const NOSE_PATCH_SIZE = 32;

/** The network's input as the classifier's preprocessing describes one: the whole patch, RGB in 0..1. */
const PATCH_INPUT: Preprocessing = {
  resizeTo: NOSE_PATCH_SIZE,
  inputSize: NOSE_PATCH_SIZE,
  resample: 'bilinear',
  scale: [1 / 255, 1 / 255, 1 / 255],
  offset: [0, 0, 0],
};

export const FACE_CHECK_SIZE = 192;
/** The face mesh's view: the face's box grown to 1.5 times its side, as MediaPipe crops for it. */
const FACE_CHECK_MARGIN = 0.5;
const FACE_CHECK_FILE = 'face-check.onnx';

const FACE_CHECK_INPUT: Preprocessing = { ...PATCH_INPUT, resizeTo: FACE_CHECK_SIZE, inputSize: FACE_CHECK_SIZE };

const NoseCheckConfig = z.object({
  model_version: z.string().min(1),
  /** Where the patch lies, in eye distances (nose-patch.ts): the geometry the network was trained on. */
  patch: z.object(NosePatchGeometrySchema.shape, {
    error: (issue) =>
      issue.input === undefined
        ? 'missing: the patch the check was trained on, {"side": S, "above": A} in eye distances (checks before 1.3.0 used {"side": 0.6, "above": 0.2})'
        : undefined,
  }),
  /** P(uncovered) at or above which a face the classifier calls a mask is told to pull it up. */
  threshold: z.number().gt(0).lt(1),
  /**
   * P(uncovered), smoothed over a person's looks, at or above which the kiosk holds back a
   * thank-you (the tracker waits for the check to make up its mind). Chosen by replaying recorded
   * visits; without it the check's own threshold.
   */
  doubt_at: z.number().gt(0).lt(1).optional(),
  /** With face-check.onnx: the check's word counts only where the face mesh's P(face) is at least this. */
  face_threshold: z.number().gt(0).lt(1).optional(),
});
export type NoseCheckConfig = z.infer<typeof NoseCheckConfig>;

/**
 * One of the check's networks' reused input: each item cut into an RGB square, made planar as
 * `preprocessing` says, and run as one batch; the network's single output comes back.
 */
class SquareBatch {
  private input = new Float32Array(0);
  private readonly square: Uint8Array<ArrayBuffer>;

  constructor(private readonly preprocessing: Preprocessing) {
    this.square = new Uint8Array(preprocessing.inputSize * preprocessing.inputSize * 3);
  }

  async run<T>(
    session: LoadedSession['session'],
    items: readonly T[],
    cut: (item: T, into: Uint8Array<ArrayBuffer>) => void,
  ): Promise<Float32Array> {
    if (items.length === 0) return new Float32Array(0);
    const side = this.preprocessing.inputSize;
    const per = 3 * side * side;
    if (this.input.length < per * items.length) this.input = new Float32Array(per * items.length);
    items.forEach((item, n) => {
      cut(item, this.square);
      toPlanar(this.square, this.preprocessing, this.input.subarray(n * per, (n + 1) * per));
    });
    const tensor = new ort.Tensor('float32', this.input.subarray(0, per * items.length), [items.length, 3, side, side]);
    const out = await session.run({ [session.inputNames[0]!]: tensor });
    return out[session.outputNames[0]!]!.data as Float32Array;
  }
}

export class NoseCheck {
  private readonly patches = new SquareBatch(PATCH_INPUT);
  private readonly faceViews = new SquareBatch(FACE_CHECK_INPUT);

  private constructor(
    readonly config: NoseCheckConfig,
    private readonly loaded: LoadedSession,
    private readonly faceCheck: LoadedSession | null,
  ) {}

  static async load(folder: string, runtime: RuntimeOptions = {}): Promise<NoseCheck> {
    const modelPath = join(folder, 'model.onnx');
    const configPath = join(folder, 'config.json');
    if (!existsSync(modelPath) || !existsSync(configPath)) {
      throw new ModelFolderError(`${folder}: a nose check folder needs model.onnx and config.json.`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(configPath, 'utf8'));
    } catch (err) {
      throw new ModelFolderError(`${configPath}: not valid JSON (${errorMessage(err)}).`);
    }
    const parsed = NoseCheckConfig.safeParse(raw);
    if (!parsed.success) throw new ModelFolderError(`${configPath}: ${firstIssue(parsed.error, 'configuration')}.`);
    const config = parsed.data;
    const facePath = join(folder, FACE_CHECK_FILE);
    if (config.face_threshold !== undefined && !existsSync(facePath)) {
      throw new ModelFolderError(`${configPath}: face_threshold is set but ${FACE_CHECK_FILE} is missing from ${folder}.`);
    }
    const loaded = await createSession(modelPath, runtime);
    try {
      const faceCheck = config.face_threshold !== undefined ? await createSession(facePath, runtime) : null;
      return new NoseCheck(config, loaded, faceCheck);
    } catch (err) {
      await loaded.session.release();
      throw err;
    }
  }

  get session(): LoadedSession {
    return this.loaded;
  }

  /** The line at which a thank-you waits for the check (its config's doubt_at). */
  get doubtAt(): number {
    return this.config.doubt_at ?? this.config.threshold;
  }

  /** P(the nose is in view) for each face of `image`, from its detector keypoints. */
  async uncovered(image: RawImage, faces: readonly { keypoints: Record<KeypointName, Point> }[]): Promise<number[]> {
    const logits = await this.patches.run(this.loaded.session, faces, (face, into) =>
      samplePatch(image, placeNosePatch(face.keypoints, this.config.patch), NOSE_PATCH_SIZE, into),
    );
    return Array.from(logits, (l) => 1 / (1 + Math.exp(-l)));
  }

  /**
   * Whether the face mesh sees a face in each box (P(face) at or above `face_threshold`); true for
   * every box when the folder has no face check.
   */
  async facesSeen(image: RawImage, boxes: readonly Box[]): Promise<boolean[]> {
    const threshold = this.config.face_threshold;
    if (!this.faceCheck || threshold === undefined || boxes.length === 0) return boxes.map(() => true);
    const p = await this.faceViews.run(this.faceCheck.session, boxes, (box, into) =>
      cropSquare(image, squareAround(box, FACE_CHECK_MARGIN), FACE_CHECK_SIZE, into),
    );
    return Array.from(p, (v) => v >= threshold);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.loaded.session.release(), this.faceCheck?.session.release()]);
  }
}

/**
 * A face the classifier calls a mask, with its nose in view at P >= threshold, is a mask below
 * the nose: the mask's probability moves to "incorrect", so the tracker asks the person to pull
 * it up instead of thanking them. Below the threshold the classifier's answer stands.
 */
export function applyNoseCheck(c: Classification, uncovered: number, threshold: number): Classification {
  const pMask = c.verdictProbabilities.mask ?? 0;
  if (c.verdict !== 'mask' || uncovered < threshold) return c;
  const pIncorrect = (c.verdictProbabilities.incorrect ?? 0) + pMask;
  const verdictProbabilities = { ...c.verdictProbabilities, mask: 0, incorrect: pIncorrect };
  return { ...c, verdict: 'incorrect', confidence: pIncorrect, verdictProbabilities };
}

// The nose check: a small network asked only "is the nose in view?" on the patch nose-patch.ts
// cuts. The whole-face classifier learned from photos where a mask mostly means "lower face
// covered", so a real mask pulled below the nose often still reads as a mask; this check looks
// where that difference is. Its folder: model.onnx (input [N, 3, 32, 32] float RGB in 0..1,
// output [N, 1] logit of "uncovered") and config.json (version, the veto threshold).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../../shared/errors';
import { firstIssue } from '../../shared/zod-issue';
import type { KeypointName } from './blazeface-decode';
import { type Classification, toPlanar } from './classifier';
import type { Point } from './detector';
import type { RawImage } from './image';
import { ModelFolderError, type Preprocessing } from './model-folder';
import { placeNosePatch, samplePatch } from './nose-patch';
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

const NoseCheckConfig = z.object({
  model_version: z.string().min(1),
  /** P(uncovered) at or above which a face the classifier calls a mask is told to pull it up. */
  threshold: z.number().gt(0).lt(1),
});
export type NoseCheckConfig = z.infer<typeof NoseCheckConfig>;

export class NoseCheck {
  private input = new Float32Array(0);
  private readonly patch = new Uint8Array(NOSE_PATCH_SIZE * NOSE_PATCH_SIZE * 3);

  private constructor(
    readonly config: NoseCheckConfig,
    private readonly loaded: LoadedSession,
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
    return new NoseCheck(config, await createSession(modelPath, runtime));
  }

  get session(): LoadedSession {
    return this.loaded;
  }

  /** P(the nose is in view) for each face of `image`, from its detector keypoints. */
  async uncovered(image: RawImage, faces: readonly { keypoints: Record<KeypointName, Point> }[]): Promise<number[]> {
    if (faces.length === 0) return [];
    const per = 3 * NOSE_PATCH_SIZE * NOSE_PATCH_SIZE;
    if (this.input.length < per * faces.length) this.input = new Float32Array(per * faces.length);
    faces.forEach((face, n) => {
      samplePatch(image, placeNosePatch(face.keypoints), NOSE_PATCH_SIZE, this.patch);
      toPlanar(this.patch, PATCH_INPUT, this.input.subarray(n * per, (n + 1) * per));
    });
    const session = this.loaded.session;
    const tensor = new ort.Tensor('float32', this.input.subarray(0, per * faces.length), [
      faces.length,
      3,
      NOSE_PATCH_SIZE,
      NOSE_PATCH_SIZE,
    ]);
    const out = await session.run({ [session.inputNames[0]!]: tensor });
    const logits = out[session.outputNames[0]!]!.data as Float32Array;
    return Array.from(logits, (l) => 1 / (1 + Math.exp(-l)));
  }

  async dispose(): Promise<void> {
    await this.loaded.session.release();
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

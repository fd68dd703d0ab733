// Camera-like frames made from real test portraits, and ways to start the vision engine and end it as a
// crash would, for the tests of the pipeline, the vision engine, the core and the kiosk.
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { type EngineLauncher, forkEngine } from '../../src/main/vision/engine-process';
import type { RawImage } from '../../src/main/vision/image';
import { type FaceResult, VisionPipeline } from '../../src/main/vision/pipeline';
import type { VisionEngine } from '../../src/main/vision/vision-engine';
import type { Verdict } from '../../src/shared/verdicts';
import { DETECTOR_DIR, manifest, REPO_ROOT, VISION_ENGINE_SOURCE } from './paths';

/** The RGBA pixels of `image`, as the pipeline, the vision engine and the core take a camera frame. */
export async function rgbaFrame(image: Sharp): Promise<RawImage & { channels: 4 }> {
  const { data, info } = await image.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 4 };
}

/** An RGBA frame `width` x `height` with the portrait, fitted inside `side` px, in the middle. */
export async function cameraFrame(path: string, { width = 640, height = 480, side = 300 } = {}): Promise<RawImage & { channels: 4 }> {
  const portrait = await sharp(path)
    .resize(side, side, { fit: 'inside' })
    .flatten({ background: '#ffffff' })
    .toBuffer({ resolveWithObject: true });
  const left = Math.floor((width - portrait.info.width) / 2);
  const top = Math.floor((height - portrait.info.height) / 2);
  return rgbaFrame(
    sharp(portrait.data).extend({
      left,
      top,
      right: width - portrait.info.width - left,
      bottom: height - portrait.info.height - top,
      background: '#5a6470',
    }),
  );
}

/**
 * `frame` as a camera pointed higher would see it: the frame's bottom edge at row `bottom`, what
 * lay below out of the picture, the lobby's wall above. A person standing low and close.
 */
export async function raisedView(frame: RawImage & { channels: 4 }, bottom: number): Promise<RawImage & { channels: 4 }> {
  const shift = frame.height - Math.round(bottom);
  // Two passes: within one, sharp extracts before it extends.
  const extended = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 4 } })
    .extend({ top: shift, background: '#5a6470' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return rgbaFrame(
    sharp(extended.data, { raw: { width: extended.info.width, height: extended.info.height, channels: 4 } }).extract({
      left: 0,
      top: 0,
      width: frame.width,
      height: frame.height,
    }),
  );
}

/** The vision engine from source, as a Node child process (the preview's way of starting it). */
export function sourceEngine(args: string[] = []): EngineLauncher {
  return forkEngine(VISION_ENGINE_SOURCE, { args });
}

/** Ends the engine process as a native crash would (SIGKILL by default: nothing of it runs on). */
export function crashEngine(engine: VisionEngine, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (engine.pid === undefined) throw new Error('the vision engine is not running');
  process.kill(engine.pid, signal);
}

/**
 * The first of `paths` in which `read` finds exactly one face, of `verdict`, above
 * `minConfidence`: tests about the app, not the model, pick their portraits this way so that
 * they do not hinge on one photo's verdict.
 */
export async function firstReadAs(
  paths: Iterable<string>,
  verdict: Verdict,
  minConfidence: number,
  read: (path: string) => Promise<FaceResult[]>,
): Promise<string> {
  for (const path of paths) {
    const faces = await read(path);
    if (faces.length === 1 && faces[0]!.verdict === verdict && faces[0]!.confidence > minConfidence) return path;
  }
  throw new Error(`no candidate portrait reads as one clear "${verdict}" face`);
}

/** The first large test portrait of a class that the shipped classifier reads as one clear face of that class. */
export async function pickPortrait(label: 'with_mask' | 'without_mask'): Promise<string> {
  const pipeline = await VisionPipeline.load({
    detectorFolder: DETECTOR_DIR,
    classifierFolder: join(REPO_ROOT, 'models', 'facemask-default'),
  });
  try {
    const rows = manifest().filter((r) => r.split === 'test' && r.label === label && r.width >= 300 && r.height >= 300);
    return await firstReadAs(
      rows.map((r) => r.path),
      label === 'with_mask' ? 'mask' : 'no_mask',
      0.95,
      async (p) => (await pipeline.analyzeImage(p)).faces,
    );
  } finally {
    await pipeline.dispose();
  }
}

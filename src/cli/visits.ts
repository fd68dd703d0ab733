// A still photo walked up to the kiosk: each image becomes a short synthetic visit (2 s at
// 15 fps) in front of a camera, with what a lobby camera adds (a little shake and zoom, sensor
// noise, JPEG compression, flickering light; the person stays, or steps closer when the screen
// asks: obliging-visitor.ts), run through the real pipeline and the real tracker. What the person
// is told first, and when, is what the kiosk decided.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { observationOf } from '../main/compliance/frame-handler';
import { type KioskOutcome, outcomeOfState } from '../main/compliance/still-decision';
import { ComplianceTracker, type FaceObservation, type TrackerOptions } from '../main/compliance/tracker';
import type { RawImage } from '../main/vision/image';
import type { FrameResult } from '../main/vision/pipeline';
import type { Guidance } from '../shared/screen-states';
import { SUBJECT_MAX_OFFSET, subjectFace, type VisitOutcome } from './metrics';
import { ObligingVisitor } from './obliging-visitor';
import { seededRandom } from './seeded-random';

export interface VisitOptions {
  fps: number;
  seconds: number;
  frameWidth: number;
  frameHeight: number;
  /** The photo's longer side, as a share of the frame's height (a person about 1 m away). */
  photoShare: number;
  /**
   * The person walks up first: over `seconds` the photo grows from `fromShare` of the frame's
   * height to `photoShare` (a steady walk from farther away), then stays for the visit's own
   * `seconds`. null: the person is there from the first frame.
   */
  approach: { seconds: number; fromShare: number } | null;
  /** The person steps closer when the screen asks them to (obliging-visitor.ts); false: they stay where they stand. */
  obliging: boolean;
}

export const DEFAULT_VISIT: VisitOptions = {
  fps: 15,
  seconds: 2,
  frameWidth: 640,
  frameHeight: 480,
  photoShare: 0.6,
  approach: null,
  obliging: false,
};

/**
 * A walk-up: from three times as far (a face a third as wide, about 3 m instead of 1 m) to the
 * kiosk in 1.5 s, about 1.3 m/s, then 2 s standing.
 */
export const WALK_UP_VISIT: VisitOptions = { ...DEFAULT_VISIT, approach: { seconds: 1.5, fromShare: 0.2 } };

/** The photo's longer side at frame `i`, as a share of the frame's height. */
export function photoShareAt(i: number, o: VisitOptions): number {
  if (!o.approach) return o.photoShare;
  const t = Math.min(1, i / Math.max(1, o.fps * o.approach.seconds));
  return o.approach.fromShare + (o.photoShare - o.approach.fromShare) * t;
}

/** How many frames a walk-up's approach takes (none when the person is there from the start). */
export function approachFrames(o: VisitOptions): number {
  return Math.round(o.fps * (o.approach?.seconds ?? 0));
}

/** How many frames a visit lasts: the approach, if any, then `seconds` standing (and any steps an obliging visitor takes). */
export function visitFrameCount(o: VisitOptions): number {
  return approachFrames(o) + Math.round(o.fps * o.seconds);
}

export interface VisitResult extends VisitOutcome {
  /** The screen's first verdict over every face in view (the most severe one's), as a bystander sees it. */
  screen: KioskOutcome;
}

let noiseTable: Int8Array | null = null;
/** Noise with a standard deviation of about 3 grey levels, made once; each frame reads it from a random offset. */
function sensorNoise(frameBytes: number): Int8Array {
  if (noiseTable && noiseTable.length >= 2 * frameBytes) return noiseTable;
  const rand = seededRandom(0x5eed);
  noiseTable = new Int8Array(2 * frameBytes);
  for (let i = 0; i < noiseTable.length; i++) noiseTable[i] = Math.round((rand() + rand() + rand() - 1.5) * 6);
  return noiseTable;
}

/** Adds a camera's sensor noise (about 3 grey levels) to a frame's bytes, in place, from an offset `rand` picks. */
export function addSensorNoise(pixels: Uint8Array, rand: () => number): void {
  const noise = sensorNoise(pixels.length);
  const offset = Math.floor(rand() * (noise.length - pixels.length));
  for (let p = 0; p < pixels.length; p++) pixels[p] = Math.max(0, Math.min(255, pixels[p]! + noise[offset + p]!));
}

/**
 * The seed of an image's visit: from its name in its set, so it gets the same visit in every run,
 * and from the draw, so another draw gives every image another camera. Draw 0 is the name alone.
 */
export function cameraSeed(file: string, draw = 0): number {
  return createHash('sha256')
    .update(draw === 0 ? file : `${file}#${draw}`)
    .digest()
    .readUInt32LE(0);
}

/** One camera frame of the visit: the photo placed, zoomed, shifted and lit as frame `i` sees it. */
async function cameraFrame(
  photo: Buffer,
  i: number,
  rand: () => number,
  state: { dx: number; dy: number; phase: number },
  o: VisitOptions,
  nearness: number,
) {
  const zoom = 1 + 0.04 * Math.sin((2 * Math.PI * i) / (o.fps * 1.3) + state.phase);
  const side = Math.round(o.frameHeight * photoShareAt(i, o) * zoom * nearness);
  // Camera shake: a random walk held within 2 % of the frame.
  const limit = 0.02 * o.frameWidth;
  state.dx = Math.max(-limit, Math.min(limit, state.dx + (rand() - 0.5) * 6));
  state.dy = Math.max(-limit, Math.min(limit, state.dy + (rand() - 0.5) * 6));
  const light = 1 + 0.08 * Math.sin((2 * Math.PI * i) / 7 + state.phase * 3);
  const placed = await sharp(photo)
    .resize(side, side, { fit: 'inside' })
    .modulate({ brightness: light })
    .toBuffer({ resolveWithObject: true });
  const left = Math.round((o.frameWidth - placed.info.width) / 2 + state.dx);
  const top = Math.round((o.frameHeight - placed.info.height) / 2 + state.dy);
  // A person close to the camera fills more than the frame: only the part in view is placed.
  const inView = {
    left: Math.max(0, -left),
    top: Math.max(0, -top),
    width: Math.min(placed.info.width, o.frameWidth - left) - Math.max(0, -left),
    height: Math.min(placed.info.height, o.frameHeight - top) - Math.max(0, -top),
  };
  const cut =
    inView.width === placed.info.width && inView.height === placed.info.height
      ? placed.data
      : await sharp(placed.data).extract(inView).toBuffer();
  const composed = await sharp({ create: { width: o.frameWidth, height: o.frameHeight, channels: 3, background: '#5a6470' } })
    .composite([{ input: cut, left: Math.max(0, left), top: Math.max(0, top) }])
    .removeAlpha()
    .raw()
    .toBuffer();
  // Sensor noise (about 3 grey levels), then the camera's JPEG.
  addSensorNoise(composed, rand);
  const jpeg = await sharp(composed, { raw: { width: o.frameWidth, height: o.frameHeight, channels: 3 } })
    .jpeg({ quality: 70 + Math.floor(rand() * 15) })
    .toBuffer();
  const { data, info } = await sharp(jpeg).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    channels: 4,
  } as RawImage;
}

/**
 * The camera frames of a visit of `photo`, each with its time in milliseconds from the first. With
 * `visitor`, the person stands where it says at each frame, and the visit lasts as much longer as
 * its steps took (it is asked before each frame, so it may take a step on what it saw in the last).
 */
export async function* visitFrames(
  photo: Buffer,
  seed: number,
  o: VisitOptions = DEFAULT_VISIT,
  visitor: ObligingVisitor | null = null,
): AsyncGenerator<{ frame: RawImage; ms: number }> {
  const rand = seededRandom(seed);
  const state = { dx: 0, dy: 0, phase: rand() * 2 * Math.PI };
  const frames = visitFrameCount(o);
  for (let i = 0; i < frames + (visitor?.addedFrames ?? 0); i++) {
    const frame = await cameraFrame(photo, i, rand, state, o, visitor?.nearnessAt(i) ?? 1);
    yield { frame, ms: Math.round((i * 1000) / o.fps) };
  }
}

/** One camera frame of a visit as the tracker sees it: when it was taken, its size, the faces found. */
export interface ObservedFrame {
  /** Milliseconds from the visit's first frame. */
  ms: number;
  width: number;
  height: number;
  faces: FaceObservation[];
}

/** The clock a visit's frames are stamped with: any fixed day will do, the tracker counts differences. */
const VISIT_START = Date.UTC(2026, 0, 1, 9);

/**
 * Walks `photo` (any image sharp reads) up to the kiosk for `o.seconds`, through `analyze` (the
 * real pipeline), and returns every frame's faces as the tracker would get them. `tracker` matters
 * only to a visitor who follows guidance: it is what asks them to step closer.
 */
export async function observeVisit(
  photo: Buffer,
  seed: number,
  analyze: (frame: RawImage, capturedAt: number) => Promise<FrameResult>,
  o: VisitOptions = DEFAULT_VISIT,
  tracker: Partial<TrackerOptions> = {},
): Promise<ObservedFrame[]> {
  const frames: ObservedFrame[] = [];
  const visitor = o.obliging ? new ObligingVisitor(o.fps, approachFrames(o), tracker) : null;
  for await (const { frame, ms } of visitFrames(photo, seed, o, visitor)) {
    const result = await analyze(frame, VISIT_START + ms);
    const observed = { ms, width: frame.width, height: frame.height, faces: result.faces.map(observationOf) };
    visitor?.see(frames.length, observed);
    frames.push(observed);
  }
  return frames;
}

/**
 * What the tracker decided over a visit's frames: the person's first verdict and its time, or the
 * state they were left in. The tracker does not feed back into the pipeline, so recorded frames
 * replayed here with other tracker options answer what those options would have done.
 */
export function decideVisit(frames: readonly ObservedFrame[], tracker: Partial<TrackerOptions> = {}): VisitResult {
  const compliance = new ComplianceTracker(tracker);
  let first: { outcome: KioskOutcome; at: number } | null = null;
  let last: KioskOutcome = 'no_face';
  let screenFirst: KioskOutcome | null = null;
  let screenLast: KioskOutcome = 'no_face';
  let changed = false;
  let lastGuidance: Guidance | null = null;
  for (const { ms, width, height, faces } of frames) {
    const status = compliance.update(faces, { width, height }, VISIT_START + ms);
    screenLast = outcomeOfState(status.state);
    if (screenFirst === null && isVerdict(screenLast)) screenFirst = screenLast;
    const person = subjectFace(status.tracks, width, height, SUBJECT_MAX_OFFSET);
    last = person ? outcomeOfState(person.state) : 'no_face';
    lastGuidance = person?.guidance ?? null;
    if (isVerdict(last) && first === null) first = { outcome: last, at: ms };
    else if (isVerdict(last) && first && (last === 'pass') !== (first.outcome === 'pass')) changed = true;
  }
  const screen = screenFirst ?? screenLast;
  return first
    ? { outcome: first.outcome, screen, msToVerdict: first.at, changed }
    : {
        outcome: last,
        screen,
        msToVerdict: null,
        changed: false,
        ...(last === 'guidance' && lastGuidance ? { guidance: lastGuidance } : {}),
      };
}

const isVerdict = (o: KioskOutcome): boolean => o === 'pass' || o === 'refuse' || o === 'pull_up';

export interface ChangeResult {
  /** From the first frame of the second photo to the first verdict that is not a pass; null when none came. */
  msToReact: number | null;
  /** The first photo was passed before the change (otherwise there was nothing to react to). */
  passedBefore: boolean;
  /** Faces classified over the visit, per frame with a face. */
  classifiedShare: number;
}

/**
 * A person who passed and then changes what they wear: `before` (a mask worn right) for
 * `o.seconds`, then `after` (the same person bare, or with the mask below the nose) for as long
 * again, in front of the same camera. Reports how long the screen took to stop thanking them.
 */
export async function simulateChange(
  before: Buffer,
  after: Buffer,
  seed: number,
  analyze: (frame: RawImage, capturedAt: number) => Promise<FrameResult>,
  tracker: Partial<TrackerOptions> = {},
  o: VisitOptions = DEFAULT_VISIT,
): Promise<ChangeResult> {
  const compliance = new ComplianceTracker(tracker);
  const t0 = VISIT_START;
  // The person is there from the first frame of each part: a change is measured standing still.
  const standing: VisitOptions = { ...o, approach: null };
  const switchMs = Math.round(standing.fps * standing.seconds) * Math.round(1000 / standing.fps);
  let passedBefore = false;
  let reactedAt: number | null = null;
  let classified = 0;
  let withFace = 0;
  for (const [part, photo] of [before, after].entries()) {
    for await (const { frame, ms } of visitFrames(photo, seed + part, standing)) {
      const at = t0 + part * switchMs + ms;
      const result = await analyze(frame, at);
      classified += result.classified;
      if (result.faces.length > 0) withFace++;
      const outcome = outcomeOfState(compliance.update(result.faces.map(observationOf), frame, at).state);
      if (part === 0) passedBefore = outcome === 'pass';
      else if (reactedAt === null && (outcome === 'refuse' || outcome === 'pull_up')) reactedAt = at - t0 - switchMs;
    }
  }
  return { msToReact: reactedAt, passedBefore, classifiedShare: withFace ? classified / withFace : 0 };
}

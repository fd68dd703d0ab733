// A visitor who does what the screen asks, as far as a photo can: asked to step closer, they take
// a step toward the camera. The standing visit keeps every person where they first stood, so a
// face the kiosk finds too small to judge stays "please step closer" for the whole visit; in a
// lobby the person steps up and is judged. This visitor answers whether the request leads to a
// verdict, and to the right one. (Facing the camera or holding still cannot be asked of a photo.)

import { ComplianceTracker, type FaceObservation, type TrackerOptions } from '../main/compliance/tracker';
import { SUBJECT_MAX_OFFSET, subjectFace } from './metrics';

/**
 * One step toward the camera: from about 1 m to about 0.75 m in 0.6 s, so the face grows by a
 * third. A person still asked to step closer after it takes another, up to three.
 */
export const STEP = { seconds: 0.6, growth: 4 / 3, most: 3 } as const;

/** What the visitor sees of one frame: the faces the kiosk found, as its tracker gets them. */
export interface SeenFrame {
  ms: number;
  width: number;
  height: number;
  faces: readonly FaceObservation[];
}

export class ObligingVisitor {
  private readonly tracker: ComplianceTracker;
  /** The frame each step starts at. A step starts only once the one before it has ended. */
  private readonly stepStarts: number[] = [];
  private readonly stepFrames: number;

  /**
   * `arrivesAt`: the first frame at which the person stands (after a walk-up's approach). A
   * person still walking up is coming closer anyway, and a step taken then would only leave
   * them nearer than where they stop.
   */
  constructor(
    fps: number,
    private readonly arrivesAt = 0,
    tracker: Partial<TrackerOptions> = {},
  ) {
    this.tracker = new ComplianceTracker(tracker);
    this.stepFrames = Math.max(1, Math.round(fps * STEP.seconds));
  }

  /** How much larger than where they first stood the person looks at frame `i`. */
  nearnessAt(i: number): number {
    let nearness = 1;
    for (const start of this.stepStarts) {
      if (i < start) break;
      nearness *= 1 + (STEP.growth - 1) * Math.min(1, (i - start + 1) / this.stepFrames);
    }
    return nearness;
  }

  /** Frames the steps taken so far add to the visit: standing time is not spent walking. */
  get addedFrames(): number {
    return this.stepStarts.length * this.stepFrames;
  }

  /** Sees frame `i` as the kiosk judged it; asked to step closer once arrived and standing still, the person steps from the next frame. */
  see(i: number, frame: SeenFrame): void {
    const status = this.tracker.update(frame.faces, frame, frame.ms);
    const person = subjectFace(status.tracks, frame.width, frame.height, SUBJECT_MAX_OFFSET);
    if (i < this.arrivesAt || person?.guidance !== 'step_closer' || this.stepStarts.length >= STEP.most) return;
    const last = this.stepStarts.at(-1);
    if (last !== undefined && i + 1 < last + this.stepFrames) return;
    this.stepStarts.push(i + 1);
  }
}

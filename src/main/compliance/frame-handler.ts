// One camera frame through the pipeline and the tracker, into what the screen shows and plays.

import type { Frame, FrameResponse } from '../../shared/contract';
import { BusyError } from '../../shared/errors';
import type { Guidance } from '../../shared/screen-states';
import type { Settings } from '../../shared/settings';
import type { Box } from '../vision/detector';
import type { RawImage } from '../vision/image';
import type { FaceResult, FrameResult } from '../vision/pipeline';
import { GuidanceTally } from './guidance-tally';
import { cueFor } from './sound-policy';
import type { ComplianceEvent, ComplianceTracker, FaceObservation } from './tracker';

/** The pipeline itself, or the vision engine process that runs it. */
export interface FrameAnalyzer {
  analyzeFrame(image: RawImage): Promise<FrameResult>;
}

export interface FrameHandlerDeps {
  vision: FrameAnalyzer;
  tracker: ComplianceTracker;
  settings: () => Settings;
  /** Milliseconds since the epoch; injectable so recorded sequences replay deterministically. */
  now?: () => number;
  /** Called with each frame's events and the frame, e.g. to write the violation log. */
  onEvents?: (events: ComplianceEvent[], frame: RawImage) => void;
  /** Called when a face has stayed put so long that it is taken for a picture and no longer judged. */
  onStillFace?: (box: Box, frame: RawImage) => void;
  /** Called with what people were asked for the first time in a frame (each person once) and when. */
  onAsked?: (asked: Guidance[], at: number) => void;
}

/** What the tracker needs of one face the pipeline found. */
export function observationOf(face: FaceResult): FaceObservation {
  const p = face.verdictProbabilities;
  return {
    box: face.box,
    keypoints: face.keypoints,
    pMask: p.mask ?? 0,
    pIncorrect: p.incorrect ?? 0,
    brightness: face.brightness,
    noseUncovered: face.noseUncovered,
    noseDoubtAt: face.noseDoubtAt,
  };
}

/** A frame that arrives while another is being analysed; the renderer sends one at a time. */
export class FrameBusyError extends BusyError {
  override name = 'FrameBusyError';
}

export function createFrameHandler(deps: FrameHandlerDeps): (frame: Frame) => Promise<FrameResponse> {
  const now = deps.now ?? Date.now;
  const tally = new GuidanceTally();
  let busy = false;
  return async (frame) => {
    // One frame in flight on this side too: the pipeline reuses its buffers, and a renderer that
    // floods frames must not queue work up (latest frame wins; the extra one is refused).
    if (busy) throw new FrameBusyError('a frame is already being analysed');
    busy = true;
    try {
      return await analyse(frame);
    } finally {
      busy = false;
    }
  };

  async function analyse(frame: Frame): Promise<FrameResponse> {
    const image: RawImage = { data: frame.data, width: frame.width, height: frame.height, channels: 4 };
    const result = await deps.vision.analyzeFrame(image);
    const at = now();
    const status = deps.tracker.update(result.faces.map(observationOf), image, at);
    if (status.events.length > 0) deps.onEvents?.(status.events, image);
    const asked = tally.note(status);
    if (asked.length > 0) deps.onAsked?.(asked, at);
    for (const box of status.turnedStill) deps.onStillFace?.(box, image);
    return {
      state: status.state,
      guidance: status.guidance,
      faces: status.tracks.map((t) => ({
        id: t.id,
        box: t.box,
        state: t.state,
        guidance: t.guidance,
        pMask: t.pMask,
        pIncorrect: t.pIncorrect,
      })),
      ...cueFor(status.events, deps.settings().sound, new Date(at), asked),
      events: status.events.map((e) => ({ kind: e.kind, verdict: e.verdict, trackId: e.trackId, at: e.at })),
      width: frame.width,
      height: frame.height,
      pipelineMs: result.timings.total,
    };
  }
}

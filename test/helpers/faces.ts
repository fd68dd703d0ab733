// A frontal face as the pipeline reports it to the tracker, for the compliance tests.
import type { FaceObservation } from '../../src/main/compliance/tracker';

/** A frontal face at (x, y), `width` px wide, with BlazeFace-like keypoints. */
export function frontalFace(
  pMask: number,
  { x = 250, y = 150, width = 140, ...extra }: Partial<FaceObservation> & { x?: number; y?: number; width?: number } = {},
): FaceObservation {
  const w = width;
  return {
    box: { x, y, width: w, height: w },
    keypoints: {
      rightEye: { x: x + 0.3 * w, y: y + 0.35 * w },
      leftEye: { x: x + 0.7 * w, y: y + 0.35 * w },
      noseTip: { x: x + 0.5 * w, y: y + 0.55 * w },
      mouth: { x: x + 0.5 * w, y: y + 0.75 * w },
      rightEar: { x: x + 0.05 * w, y: y + 0.45 * w },
      leftEar: { x: x + 0.95 * w, y: y + 0.45 * w },
    },
    pMask,
    pIncorrect: 0,
    brightness: 0.5,
    ...extra,
  };
}

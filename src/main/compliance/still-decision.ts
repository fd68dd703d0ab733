// What the kiosk would do with one view of a face, by the tracker's own rules: a view it cannot
// judge (cut off by the frame's edge, too small, too dark, turned away) gets guidance; otherwise the calibrated probabilities
// meet the compliance line. Used to report evaluations at the kiosk's decision rather than the
// classifier's arg-max; a real visit adds smoothing and dwell (see the visit simulation).
import { type FaceObservation, type FrameSize, type TrackerOptions, viewProblem } from './tracker';

/** pass: thanked; refuse: "please wear a mask"; pull_up: "please pull your mask up"; undecided: still checking. */
export const KIOSK_OUTCOMES = ['pass', 'refuse', 'pull_up', 'guidance', 'undecided', 'no_face'] as const;
export type KioskOutcome = (typeof KIOSK_OUTCOMES)[number];

/** The outcome the screen shows for a track in `state` (the tracker's state names). */
export function outcomeOfState(state: 'idle' | 'checking' | 'guidance' | 'compliant' | 'incorrect' | 'violation'): KioskOutcome {
  switch (state) {
    case 'compliant':
      return 'pass';
    case 'violation':
      return 'refuse';
    case 'incorrect':
      return 'pull_up';
    case 'guidance':
      return 'guidance';
    case 'checking':
      return 'undecided';
    case 'idle':
      return 'no_face';
  }
}

/**
 * One view at the line. With a mask below the nose a violation (the default) only a mask worn
 * right passes; as a reminder, it passes too but the person is still asked to pull it up.
 */
export function decideStill(face: FaceObservation | undefined, frame: FrameSize, o: TrackerOptions): KioskOutcome {
  if (!face) return 'no_face';
  if (viewProblem(face, frame, o)) return 'guidance';
  const pBare = Math.max(0, 1 - face.pMask - face.pIncorrect);
  const p = o.incorrectIsViolation ? face.pMask : face.pMask + face.pIncorrect;
  if (p >= o.compliantAt) return !o.incorrectIsViolation && face.pIncorrect > face.pMask ? 'pull_up' : 'pass';
  if (p <= o.violationAt) return face.pIncorrect > pBare ? 'pull_up' : 'refuse';
  return 'undecided';
}

/** Shares of each outcome among `outcomes`, all six named. */
export function outcomeShares(outcomes: readonly KioskOutcome[]): Record<KioskOutcome, number> {
  const shares = Object.fromEntries(KIOSK_OUTCOMES.map((k) => [k, 0])) as Record<KioskOutcome, number>;
  for (const o of outcomes) shares[o]++;
  for (const k of KIOSK_OUTCOMES) shares[k] = outcomes.length ? shares[k] / outcomes.length : 0;
  return shares;
}

// Per-person compliance over time. Faces are tracked across frames by box overlap; each track's
// mask probability is smoothed, and a verdict needs a minimum dwell and crosses hysteresis
// thresholds, so a face hovering at the decision boundary does not flicker the screen or
// repeat alarms. One violation event per person per visit, with a cooldown for a person who is
// lost for a moment and found again. A mask worn below the nose is its own state ("incorrect"):
// a violation by default, or only a reminder when the facility chooses so.
// One file past 300 lines on purpose: matching, smoothing, dwell, hysteresis, guidance and events
// are one state machine over the same track record, and read best together.

import type { EventKind, Guidance, ScreenState, TrackState } from '../../shared/screen-states';
import { DEFAULT_SETTINGS, type Settings } from '../../shared/settings';
import type { Verdict } from '../../shared/verdicts';
import type { KeypointName } from '../vision/blazeface-decode';
import { iou } from '../vision/box';
import type { Box, Point } from '../vision/detector';
import { type StillPlaceOptions, StillPlaces } from './still-places';

/** What the tracker needs from one face of one pipeline frame. */
export interface FaceObservation {
  box: Box;
  keypoints: Record<KeypointName, Point>;
  /** Calibrated probability that the face wears a mask, properly. */
  pMask: number;
  /** Calibrated probability of a mask worn below the nose; 0 from a model without that class. */
  pIncorrect: number;
  /** Mean luminance of the face crop, 0..1. */
  brightness: number;
  /** The nose check's P(nose in view) when it looked at this face (only faces called a mask), else null. */
  noseUncovered?: number | null;
  /**
   * With `noseUncovered`: the check's own line at which a thank-you waits (its config's doubt_at),
   * so a new check brings its line with it and a recorded visit replays with the line it was seen at.
   */
  noseDoubtAt?: number | null;
}

export interface TrackerOptions extends StillPlaceOptions {
  /** Minimum box overlap for a face to continue a track. */
  iouMatch: number;
  /** A track unseen for this long has left (ends the visit). */
  maxMissingMs: number;
  /** Time constant of the exponential smoothing of pMask. */
  smoothingMs: number;
  /** A verdict needs this long since the first usable view... */
  minDwellMs: number;
  /** ...and at least this many usable frames. */
  minObservations: number;
  /** Hysteresis: compliant at or above, violation at or below; in between the verdict stays. */
  compliantAt: number;
  violationAt: number;
  /**
   * A person is thanked only once the smoothed probability has stayed at or above `compliantAt`
   * this long. Thanking a bare face is the costly mistake, and a face the model is unsure of
   * wanders across the line for a frame or two; a refusal needs no such wait.
   */
  confirmPassMs: number;
  /** Faces narrower than this fraction of the frame are asked to step closer. */
  minFaceWidth: number;
  /** Share of the face box's height below the frame's bottom edge past which the face is asked to step back. */
  maxBelowFrame: number;
  /** Nose offset from the eye midpoint, in eye distances, beyond which the face is turned away. */
  maxTurn: number;
  /** Mean luma of the face crop (0..1) under which the face is too dark to judge. */
  minBrightness: number;
  /** Bad views must last this long before guidance shows, so a blink of motion does not. */
  guidanceAfterMs: number;
  /**
   * A person judgeable but still between the lines this long after the first usable view is
   * asked to hold still and look at the screen, rather than left on "checking".
   */
  undecidedGuidanceMs: number;
  /** A new track where a person just triggered an event repeats no event within this time. */
  cooldownMs: number;
  /**
   * A mask below the nose is a violation (logged, alert sound). When false it is only a
   * reminder: the screen still asks the person to pull it up, but it counts as compliant.
   */
  incorrectIsViolation: boolean;
  /** The kind of a violation (no mask or worn wrong) changes only when the other is this much likelier. */
  kindMargin: number;
  /**
   * The nose check's P(nose in view), smoothed over the frames it looked at the face, at or above
   * which a thank-you waits. A real mask just below the nose can read just under the check's own
   * threshold (where the face is told to pull it up) for a few looks before one crosses it;
   * thanking in the meantime is how such a person got through. A mask worn right reads far lower.
   * null takes the line each reading carries (the check's own); a number overrides it, to try
   * other lines on recorded visits.
   */
  noseDoubtAt: number | null;
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  iouMatch: 0.25,
  maxMissingMs: 700,
  smoothingMs: 120,
  minObservations: 3,
  // Below about 100 px in a 640 px frame the 128 px classifier input is upscaled and the
  // short-range detector is near its floor (about 80 px for a bare face, 125 px for a masked
  // one): ask the person to come closer rather than judge a blurry face.
  minFaceWidth: 0.16,
  // A face cut off by the frame's bottom edge (someone short standing close to a camera set for
  // adults) shows the classifier black where the mouth should be, and black reads as a mask: bare
  // faces cut at the nose tip pass 1 time in 5, cut above it 1 in 2. The detector still boxes the
  // whole face, so the share of the box past the edge says how much is out of view; at 0.2 the
  // chin is. Faces cut at a side or the top are judged as they are (EXPERIMENTS.md).
  maxBelowFrame: 0.2,
  // A poster's face moves by the detector's jitter alone (measured: a median 1 to 5 % of its width
  // from where it was first boxed); a visitor is judged within a second and gone within a minute.
  stillAfterMs: 30_000,
  stillDrift: 0.08,
  maxTurn: 0.75,
  // The crop's mean luma follows skin tone as much as light: a Black face in studio light averages
  // 0.39, a white one 0.56. At 0.12 the kiosk sent a fifth of Black people away to find more light
  // at 13 % of studio exposure, where it judged all of them right (and 1 % of white people). At
  // 0.09 one image in 351 is sent away there, and no face is thanked wrongly at any exposure
  // (EXPERIMENTS.md).
  minBrightness: 0.09,
  guidanceAfterMs: 400,
  // A verdict usually comes at the minimum dwell (0.2 s); one second on "checking" is already long.
  undecidedGuidanceMs: 1200,
  confirmPassMs: 300,
  kindMargin: 0.15,
  // The check names its own line: it depends on how the check was trained (EXPERIMENTS.md).
  noseDoubtAt: null,
  // Staff tune these in the settings; their defaults live there.
  ...complianceOptions(DEFAULT_SETTINGS.compliance),
};

/** The tracker options a facility sets in the admin settings. */
export function complianceOptions(
  c: Settings['compliance'],
): Pick<TrackerOptions, 'compliantAt' | 'violationAt' | 'minDwellMs' | 'cooldownMs' | 'incorrectIsViolation'> {
  return {
    compliantAt: c.compliantAt,
    violationAt: c.violationAt,
    minDwellMs: c.minDwellMs,
    cooldownMs: c.cooldownMs,
    incorrectIsViolation: c.incorrectIsViolation,
  };
}

export interface ComplianceEvent {
  kind: EventKind;
  /** no_mask or incorrect for a violation; mask, or incorrect when that is only a reminder, for compliant. */
  verdict: Verdict;
  trackId: number;
  /** Milliseconds since the epoch. */
  at: number;
  /** Smoothed probability of the verdict the event reports. */
  confidence: number;
  box: Box;
}

export interface TrackView {
  id: number;
  box: Box;
  state: TrackState;
  guidance: Guidance | null;
  pMask: number | null;
  pIncorrect: number | null;
}

export interface ComplianceStatus {
  state: ScreenState;
  guidance: Guidance | null;
  tracks: TrackView[];
  events: ComplianceEvent[];
  /** Places where a face had stayed put long enough, at this frame, to be taken for a picture and no longer judged. */
  turnedStill: Box[];
}

interface Track {
  id: number;
  box: Box;
  lastSeen: number;
  pMask: number | null;
  pIncorrect: number | null;
  /** The nose check's P(nose in view), smoothed over the frames it looked; null until it has. */
  nose: number | null;
  /** The line the check's latest reading came with. */
  noseDoubtAt: number | null;
  firstUsable: number | null;
  usable: number;
  /** Since when the smoothed probability has been on the compliant side of the line. */
  compliantSince: number | null;
  badSince: number | null;
  badReason: Guidance | null;
  /** Which side of the compliance line the person is on... */
  verdict: 'compliant' | 'violation' | null;
  /** ...and what they wear there. */
  worn: Verdict | null;
  announced: Set<ComplianceEvent['kind']>;
}

/** A camera frame's size in pixels. */
export interface FrameSize {
  width: number;
  height: number;
}

/** Why a view of a face cannot be judged, or null when it can. */
export function viewProblem(face: FaceObservation, frame: FrameSize, o: TrackerOptions): Guidance | null {
  const { box } = face;
  if (box.y + box.height - frame.height > o.maxBelowFrame * box.height) return 'step_back';
  if (box.width < o.minFaceWidth * frame.width) return 'step_closer';
  if (face.brightness < o.minBrightness) return 'too_dark';
  const { rightEye, leftEye, noseTip } = face.keypoints;
  const eyeDistance = Math.hypot(leftEye.x - rightEye.x, leftEye.y - rightEye.y);
  const turn = Math.abs(noseTip.x - (leftEye.x + rightEye.x) / 2) / Math.max(1, eyeDistance);
  if (turn > o.maxTurn) return 'face_camera';
  return null;
}

/**
 * Which track's state the screen shows when several people are in view: the most severe, so one
 * bare face among masked ones turns it red, and a person at the kiosk still being checked or asked
 * to face the camera holds back the thank-you another is given (they might take it for theirs).
 * Except a face too far away to judge: a passer-by far behind a masked visitor must not turn her
 * thank-you into "please step closer". Each box still says its own state.
 */
const SCREEN_RANK: Record<ScreenState, number> = { idle: 0, compliant: 2, checking: 3, guidance: 4, incorrect: 5, violation: 6 };

export class ComplianceTracker {
  private tracks: Track[] = [];
  private nextId = 1;
  private recent: { kind: ComplianceEvent['kind']; box: Box; at: number }[] = [];
  private stillPlaces = new StillPlaces();
  private opts: TrackerOptions;
  /** The last frame's wall time, and how far the wall clock has been set back since the first. */
  private lastWall: number | null = null;
  private setBack = 0;

  constructor(options: Partial<TrackerOptions> = {}) {
    this.opts = { ...DEFAULT_TRACKER_OPTIONS, ...options };
  }

  get options(): TrackerOptions {
    return this.opts;
  }

  /** New thresholds apply from the next frame; tracks and their history stay. */
  configure(options: Partial<TrackerOptions>): void {
    this.opts = { ...this.opts, ...options };
  }

  /** Feeds the faces of one frame of `frame`'s size, observed at `now` (ms since the epoch). */
  update(faces: readonly FaceObservation[], frame: FrameSize, wallNow: number): ComplianceStatus {
    // Tracks and cooldowns run on a clock that never goes back. A wall clock set back (a time sync
    // after a wrong start, an administrator's correction) would leave them in the future: tracks
    // never leaving, a new person inheriting the last one's verdict, and every violation in the
    // same place taken for a repeat and left out of the log until the clock caught up.
    if (this.lastWall !== null && wallNow < this.lastWall) this.setBack += this.lastWall - wallNow;
    this.lastWall = wallNow;
    const now = wallNow + this.setBack;
    const o = this.options;
    const events: ComplianceEvent[] = [];
    const { moving, newlyStill } = this.stillPlaces.sift(faces, now, o);
    const matched = this.match(moving);
    for (const [face, track] of matched) this.observe(track ?? this.open(face, now), face, frame, now, events);
    this.tracks = this.tracks.filter((t) => now - t.lastSeen <= o.maxMissingMs);
    this.recent = this.recent.filter((r) => now - r.at <= o.cooldownMs);

    const live = this.tracks.filter((t) => t.lastSeen === now);
    const tracks = live.map(
      (t): TrackView => ({
        id: t.id,
        box: t.box,
        state: this.stateOf(t, now),
        guidance: this.guidanceOf(t, now),
        pMask: t.pMask,
        pIncorrect: t.pIncorrect,
      }),
    );
    // A face too far away to judge ranks low from its first frame, before its guidance shows.
    const rank = (i: number): number => (live[i]!.badReason === 'step_closer' ? 1 : SCREEN_RANK[tracks[i]!.state]);
    let shown = -1;
    for (let i = 0; i < tracks.length; i++) if (shown < 0 || rank(i) > rank(shown)) shown = i;
    const state: ScreenState = tracks[shown]?.state ?? 'idle';
    const guidance = state === 'guidance' ? (tracks[shown]?.guidance ?? null) : null;
    // Events happen at this frame: the log and the quiet hours want the wall clock's time for it.
    return { state, guidance, tracks, events: events.map((e) => ({ ...e, at: wallNow })), turnedStill: newlyStill };
  }

  /** Greedy matching by overlap, best pairs first; each face and track used once. */
  private match(faces: readonly FaceObservation[]): [FaceObservation, Track | null][] {
    const pairs: { f: number; t: number; overlap: number }[] = [];
    faces.forEach((face, f) => {
      this.tracks.forEach((track, t) => {
        const overlap = iou(face.box, track.box);
        if (overlap >= this.options.iouMatch) pairs.push({ f, t, overlap });
      });
    });
    pairs.sort((a, b) => b.overlap - a.overlap);
    const faceToTrack = new Map<number, Track>();
    const usedTracks = new Set<number>();
    for (const p of pairs) {
      if (faceToTrack.has(p.f) || usedTracks.has(p.t)) continue;
      faceToTrack.set(p.f, this.tracks[p.t]!);
      usedTracks.add(p.t);
    }
    return faces.map((face, f) => [face, faceToTrack.get(f) ?? null]);
  }

  private open(face: FaceObservation, now: number): Track {
    const track: Track = {
      id: this.nextId++,
      box: face.box,
      lastSeen: now,
      pMask: null,
      pIncorrect: null,
      nose: null,
      noseDoubtAt: null,
      firstUsable: null,
      usable: 0,
      compliantSince: null,
      badSince: null,
      badReason: null,
      verdict: null,
      worn: null,
      announced: new Set(),
    };
    this.tracks.push(track);
    return track;
  }

  private observe(track: Track, face: FaceObservation, frame: FrameSize, now: number, events: ComplianceEvent[]): void {
    const o = this.options;
    const dt = Math.max(0, now - track.lastSeen);
    track.box = face.box;
    track.lastSeen = now;
    const problem = viewProblem(face, frame, o);
    if (problem) {
      track.badSince ??= now;
      track.badReason = problem;
      return;
    }
    track.badSince = null;
    track.badReason = null;
    track.firstUsable ??= now;
    track.usable++;
    const k = 1 - Math.exp(-dt / o.smoothingMs);
    const smooth = (old: number | null, value: number): number => (old === null ? value : old + k * (value - old));
    track.pMask = smooth(track.pMask, face.pMask);
    track.pIncorrect = smooth(track.pIncorrect, face.pIncorrect);
    if (face.noseUncovered != null) {
      track.nose = smooth(track.nose, face.noseUncovered);
      track.noseDoubtAt = face.noseDoubtAt ?? null;
    }
    const pIncorrect = track.pIncorrect;
    const pBare = Math.max(0, 1 - track.pMask - pIncorrect);
    // The compliance line: a mask below the nose falls on the violation side unless the facility
    // counts it as a reminder only.
    const p = o.incorrectIsViolation ? track.pMask : track.pMask + pIncorrect;
    // Counted from the first usable view, so the confirmation runs alongside the dwell.
    const doubtAt = o.noseDoubtAt ?? track.noseDoubtAt;
    const noseInDoubt = track.nose !== null && doubtAt !== null && track.nose >= doubtAt;
    track.compliantSince = p >= o.compliantAt && !noseInDoubt ? (track.compliantSince ?? now) : null;
    if (track.usable < o.minObservations || now - track.firstUsable < o.minDwellMs) return;

    let verdict = track.verdict;
    if (track.compliantSince !== null && now - track.compliantSince >= o.confirmPassMs) verdict = 'compliant';
    else if (p <= o.violationAt) verdict = 'violation';
    if (verdict === null) return;
    const changedSide = verdict !== track.verdict;
    track.verdict = verdict;
    track.worn = this.wornOf(track, verdict, pBare);
    if (!changedSide) return;
    this.announce(track, verdict, track.worn, verdict === 'compliant' ? p : 1 - p, now, events);
  }

  /** What the person wears on their side of the line, sticky within kindMargin so it does not flicker. */
  private wornOf(track: Track, side: 'compliant' | 'violation', pBare: number): Verdict {
    const pMask = track.pMask ?? 0;
    const pIncorrect = track.pIncorrect ?? 0;
    const [other, pOther] = side === 'compliant' ? (['mask', pMask] as const) : (['no_mask', pBare] as const);
    const current = track.worn === 'incorrect' || track.worn === other ? track.worn : null;
    if (current === 'incorrect') return pOther > pIncorrect + this.options.kindMargin ? other : 'incorrect';
    if (current === other) return pIncorrect > pOther + this.options.kindMargin ? 'incorrect' : other;
    return pIncorrect > pOther ? 'incorrect' : other;
  }

  /** Emits an event unless this track, or a person just seen in the same place, already had it. */
  private announce(
    track: Track,
    kind: ComplianceEvent['kind'],
    verdict: Verdict,
    confidence: number,
    now: number,
    events: ComplianceEvent[],
  ): void {
    if (track.announced.has(kind)) return;
    track.announced.add(kind);
    const repeat = this.recent.some((r) => r.kind === kind && iou(r.box, track.box) >= this.options.iouMatch);
    this.recent.push({ kind, box: track.box, at: now });
    if (!repeat) events.push({ kind, verdict, trackId: track.id, at: now, confidence, box: track.box });
  }

  private stateOf(track: Track, now: number): TrackState {
    if (track.verdict) return track.worn === 'incorrect' ? 'incorrect' : track.verdict;
    return this.guidanceOf(track, now) ? 'guidance' : 'checking';
  }

  private guidanceOf(track: Track, now: number): Guidance | null {
    if (track.verdict) return null;
    if (track.badSince !== null) return now - track.badSince >= this.options.guidanceAfterMs ? track.badReason : null;
    if (track.firstUsable !== null && now - track.firstUsable >= this.options.undecidedGuidanceMs) return 'hold_still';
    return null;
  }
}

// Faces that never move are pictures: a poster, a framed photo, a screen showing a face, or
// someone seated at a desk the camera sees. A visitor stands at the kiosk for seconds; a picture
// stays for hours. Judged like visitors, one bare face on a poster keeps the screen red for
// everybody, and each passer-by who hides it for a moment brings another alarm and log entry.
// The places where a face has stayed put are remembered, and faces there are not judged.

import type { Box } from '../vision/detector';

export interface StillPlaceOptions {
  /** A face that stays this long within `stillDrift` of where it was first seen marks its place still. */
  stillAfterMs: number;
  /**
   * How far, as a share of the face's width, its centre and its width may wander and still count
   * as unmoved. A picture moves only by the detector's jitter (training/EXPERIMENTS.md); a person
   * standing sways, typically by a few centimetres, against a face about 15 cm wide.
   */
  stillDrift: number;
}

/**
 * A still place where no face has been seen for a while is forgotten: the poster came down, or the
 * person seated there left (whoever sits down in the same spot later is judged again). The while
 * is as long as the face was there, from two minutes (a crowd hides a poster for seconds) to a day
 * (a poster in view all day is still there when the lights come on the next morning).
 */
const FORGET_AFTER_MS = { min: 2 * 60_000, max: 24 * 60 * 60_000 };
/** A face missing for this long from a place not yet still starts its wait again. */
const GAP_MS = 2_000;
/**
 * Over the wait, a picture is at its place in nearly every frame (the detector's jitter stays
 * within the drift, a passer-by hides it now and then); a visitor swaying about a spot passes
 * through it now and then.
 */
const MIN_SHARE_SEEN = 0.8;

interface Place {
  box: Box;
  since: number;
  lastSeen: number;
  /** Since when the place is still; null while it is not. */
  stillSince: number | null;
  /** The frame `since` fell in, and in how many frames from it on a face was here. */
  sinceFrame: number;
  seen: number;
}

export interface SiftedFaces<F> {
  /** Faces to judge. */
  moving: F[];
  /** Faces at still places, not judged. */
  still: F[];
  /** Places that turned still at this frame. */
  newlyStill: Box[];
}

/** How long a place is kept with no face seen there. */
function memoryOf(p: Place): number {
  if (p.stillSince === null) return GAP_MS;
  return Math.min(FORGET_AFTER_MS.max, Math.max(FORGET_AFTER_MS.min, p.lastSeen - p.stillSince));
}

const centreX = (b: Box): number => b.x + b.width / 2;
const centreY = (b: Box): number => b.y + b.height / 2;

export class StillPlaces {
  private places: Place[] = [];
  /** Frames sifted so far. */
  private frame = 0;

  /** Splits one frame's faces, seen at `now` (a clock that never goes back, in ms), into those to judge and those at still places. */
  sift<F extends { box: Box }>(faces: readonly F[], now: number, o: StillPlaceOptions): SiftedFaces<F> {
    const sifted: SiftedFaces<F> = { moving: [], still: [], newlyStill: [] };
    this.places = this.places.filter((p) => now - p.lastSeen <= memoryOf(p));
    this.frame++;
    for (const face of faces) {
      let place = this.placeOf(face.box, o.stillDrift);
      if (!place) {
        place = { box: face.box, since: now, lastSeen: Number.NEGATIVE_INFINITY, sinceFrame: this.frame, seen: 0, stillSince: null };
        this.places.push(place);
      }
      // Two faces at one place in one frame count once.
      if (place.lastSeen !== now) place.seen++;
      place.lastSeen = now;
      if (place.stillSince === null && now - place.since >= o.stillAfterMs) {
        if (place.seen >= MIN_SHARE_SEEN * (this.frame - place.sinceFrame + 1)) {
          place.stillSince = now;
          sifted.newlyStill.push(place.box);
        } else {
          // Here, but not steadily enough: wait again from now.
          Object.assign(place, { since: now, sinceFrame: this.frame, seen: 1 });
        }
      }
      (place.stillSince === null ? sifted.moving : sifted.still).push(face);
    }
    return sifted;
  }

  /** The nearest place `box` has not moved from, if any. */
  private placeOf(box: Box, drift: number): Place | undefined {
    let best: Place | undefined;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const p of this.places) {
      const limit = drift * p.box.width;
      const distance = Math.hypot(centreX(box) - centreX(p.box), centreY(box) - centreY(p.box));
      if (distance > limit || Math.abs(box.width - p.box.width) > limit) continue;
      // A still place wins over a newer one at the same spot, so a picture stays known.
      const rank = p.stillSince === null ? distance : distance - limit;
      if (rank < bestDistance) {
        best = p;
        bestDistance = rank;
      }
    }
    return best;
  }
}

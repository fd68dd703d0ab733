// Classify a person, not every frame. A camera sends 15-30 frames a second and a person standing
// in front of it looks the same in most of them; the tracker smooths each person's probabilities
// over time anyway. So a face that continues one of the last frame's faces reuses the
// classification it got, as long as its crop still looks like the one that was classified and
// that classification is younger than `refreshMs`. New faces, and faces whose crop changed (a
// mask pulled down, a turn of the head, a hand in front), are classified in the frame they
// appear in, so the screen reacts to a change as fast as when every frame is classified.
import { iou } from './box';
import type { Classification } from './classifier';
import type { Box } from './detector';

export interface ClassifySchedule {
  /** A face is classified again at least this often, however still it holds. */
  refreshMs: number;
  /**
   * A face whose crop differs from the classified one by more than this (the mean difference of
   * their normalised 8x8 luminance thumbnails, in standard deviations) is classified again at once.
   */
  changeThreshold: number;
  /** A face continues a remembered one when their boxes overlap at least this much. */
  minOverlap: number;
}

// Measured on 2 s simulated visits of facemask-v1/test faces (camera shake, zoom, noise, JPEG,
// flicker) and on the synthetic three-verdict set (the same person bare, masked, mask below the
// nose): a still person's crop differs from the one classified up to 0.25 s before by 0.10 at the
// median and 0.23 at the 90th percentile; a mask worn right against the same face bare or with
// the mask below the nose by 0.51 at the median and 0.22-0.26 at the 5th percentile. A change
// missed is caught by the refresh a few frames later; a still face taken for a change only costs
// one classification. See docs/SPEED.md for the reaction times.
export const DEFAULT_CLASSIFY_SCHEDULE: ClassifySchedule = { refreshMs: 250, changeThreshold: 0.25, minOverlap: 0.5 };

const GRID = 8;

/**
 * The crop's luminance on an 8x8 grid (every other pixel of each cell), less its mean and over its
 * spread: what a face looks like, whatever the exposure, for comparing two crops of one person.
 */
export function faceThumbnail(crop: Uint8Array, side: number): Float32Array {
  const cells = new Float32Array(GRID * GRID);
  const counts = new Uint16Array(GRID * GRID);
  for (let y = 0; y < side; y += 2) {
    const row = Math.min(GRID - 1, Math.floor((y * GRID) / side)) * GRID;
    for (let x = 0; x < side; x += 2) {
      const p = (y * side + x) * 3;
      const cell = row + Math.min(GRID - 1, Math.floor((x * GRID) / side));
      cells[cell]! += 0.299 * crop[p]! + 0.587 * crop[p + 1]! + 0.114 * crop[p + 2]!;
      counts[cell]!++;
    }
  }
  let mean = 0;
  for (let i = 0; i < cells.length; i++) {
    cells[i] = cells[i]! / Math.max(1, counts[i]!);
    mean += cells[i]!;
  }
  mean /= cells.length;
  let variance = 0;
  for (const v of cells) variance += (v - mean) ** 2;
  // A few grey levels on top keep a flat crop (a dark frame) from turning noise into a change.
  const spread = Math.sqrt(variance / cells.length) + 4;
  for (let i = 0; i < cells.length; i++) cells[i] = (cells[i]! - mean) / spread;
  return cells;
}

/** How different two thumbnails are: the mean absolute difference of their cells. */
export function thumbnailChange(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

interface Remembered<T> {
  box: Box;
  /** The thumbnail of the crop that was classified (not the latest), so slow drift adds up. */
  thumbnail: Float32Array;
  result: T;
  at: number;
}

/** The last frame's faces and their classifications (T), for the next frame to reuse. */
export class ClassificationCache<T = Classification> {
  private remembered: Remembered<T>[] = [];

  constructor(private readonly schedule: ClassifySchedule) {}

  /**
   * For each face of a frame taken at `at` (milliseconds, any clock the caller keeps), the
   * classification it may reuse, or null when it must be classified now.
   */
  plan(boxes: readonly Box[], thumbnails: readonly Float32Array[], at: number): (Remembered<T> | null)[] {
    const taken = new Set<Remembered<T>>();
    return boxes.map((box, i) => {
      let best: Remembered<T> | null = null;
      let bestOverlap = this.schedule.minOverlap;
      for (const r of this.remembered) {
        const overlap = iou(box, r.box);
        if (!taken.has(r) && overlap >= bestOverlap) {
          best = r;
          bestOverlap = overlap;
        }
      }
      if (!best) return null;
      const age = at - best.at;
      if (age < 0 || age >= this.schedule.refreshMs) return null;
      if (thumbnailChange(thumbnails[i]!, best.thumbnail) > this.schedule.changeThreshold) return null;
      taken.add(best);
      return best;
    });
  }

  /** What this frame's faces are remembered as: fresh ones as classified now, reused ones as before. */
  remember(
    boxes: readonly Box[],
    thumbnails: readonly Float32Array[],
    planned: readonly (Remembered<T> | null)[],
    results: readonly T[],
    at: number,
  ): void {
    this.remembered = boxes.map((box, i) => {
      const reused = planned[i];
      return reused ? { ...reused, box } : { box, thumbnail: thumbnails[i]!, result: results[i]!, at };
    });
  }

  clear(): void {
    this.remembered = [];
  }
}

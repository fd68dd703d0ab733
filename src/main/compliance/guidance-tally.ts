// Counts the people the kiosk had to ask for something (step closer, face the camera, more light,
// step back, hold still), each person once, by the first thing asked. Many people asked the same
// thing says where the camera or the light is wrong for this lobby, which no photo set can.
import type { Guidance } from '../../shared/screen-states';
import type { TrackView } from './tracker';

export class GuidanceTally {
  /** Tracks in view that were already counted. */
  private counted = new Set<number>();

  /** The tracks of one frame; returns what was asked of people asked for the first time. */
  note(tracks: readonly TrackView[]): Guidance[] {
    const asked: Guidance[] = [];
    const inView = new Set<number>();
    for (const t of tracks) {
      inView.add(t.id);
      if (t.guidance && !this.counted.has(t.id)) {
        this.counted.add(t.id);
        asked.push(t.guidance);
      }
    }
    // A track gone from view never comes back (a returning person gets a new id).
    for (const id of this.counted) if (!inView.has(id)) this.counted.delete(id);
    return asked;
  }
}

// Counts the people the kiosk asked for something (step closer, face the camera, more light, step
// back, hold still), each person once, by the first thing the screen asked of them. Many people
// asked the same thing says where the camera or the light is wrong for this lobby, which no photo
// set can. A passer-by too far away to judge behind a visitor being judged was not asked anything:
// the screen showed the visitor's verdict.
import type { Guidance } from '../../shared/screen-states';
import type { ComplianceStatus } from './tracker';

export class GuidanceTally {
  /** Tracks in view that were already counted. */
  private counted = new Set<number>();

  /** One frame's status; returns what the screen asked of people asked for the first time. */
  note(status: Pick<ComplianceStatus, 'state' | 'guidance' | 'tracks'>): Guidance[] {
    const asked: Guidance[] = [];
    const inView = new Set<number>();
    for (const t of status.tracks) {
      inView.add(t.id);
      const shown = status.state === 'guidance' && t.guidance !== null && t.guidance === status.guidance;
      if (shown && !this.counted.has(t.id)) {
        this.counted.add(t.id);
        asked.push(t.guidance!);
      }
    }
    // A track gone from view never comes back (a returning person gets a new id).
    for (const id of this.counted) if (!inView.has(id)) this.counted.delete(id);
    return asked;
  }
}

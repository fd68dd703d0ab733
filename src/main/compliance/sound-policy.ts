// Which sound, if any, a frame's events call for, given the sound settings and the local time.

import type { Settings } from '../../shared/settings';
import type { ComplianceEvent } from './tracker';

export type Sound = 'alert' | 'chime';

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

/** True when `local` falls in [start, end), where the range may wrap past midnight. */
export function inQuietHours(quiet: Settings['sound']['quietHours'], local: Date): boolean {
  if (!quiet.enabled) return false;
  const now = local.getHours() * 60 + local.getMinutes();
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  return start <= end ? now >= start && now < end : now >= start || now < end;
}

/**
 * An alert outranks a chime; the tracker already ensures one event per person per visit. A mask
 * below the nose gets the alert even where it is only a reminder: it asks the person to act.
 */
export function soundFor(events: readonly ComplianceEvent[], sound: Settings['sound'], local: Date): Sound | null {
  if (sound.muted || sound.volume === 0 || inQuietHours(sound.quietHours, local)) return null;
  if (events.some((e) => e.kind === 'violation' || e.verdict === 'incorrect')) return 'alert';
  if (events.some((e) => e.kind === 'compliant')) return 'chime';
  return null;
}

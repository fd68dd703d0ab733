// Which sound, if any, a frame's events call for, given the sound settings and the local time.

import type { Guidance, Tone } from '../../shared/screen-states';
import type { Settings, VoicePrompt } from '../../shared/settings';
import type { ComplianceEvent } from './tracker';

export type Sound = Tone;

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

/** What a frame plays: a tone, a spoken phrase, both, or nothing. */
export interface Cue {
  sound: Sound | null;
  voice: VoicePrompt | null;
}

/**
 * An alert outranks a chime; the tracker already ensures one event per person per visit. A mask
 * below the nose gets the alert even where it is only a reminder: it asks the person to act. The
 * spoken phrase follows the same events: no mask first, then a mask below the nose, then thanks;
 * with no verdict, what the screen newly asks of a visitor (`asked`, each person once).
 */
export function cueFor(events: readonly ComplianceEvent[], sound: Settings['sound'], local: Date, asked: readonly Guidance[] = []): Cue {
  if (sound.muted || sound.volume === 0 || inQuietHours(sound.quietHours, local)) return { sound: null, voice: null };
  const noMask = events.some((e) => e.kind === 'violation' && e.verdict === 'no_mask');
  const incorrect = events.some((e) => e.verdict === 'incorrect');
  const compliant = events.some((e) => e.kind === 'compliant');
  const tone: Sound | null = noMask || incorrect ? 'alert' : compliant ? 'chime' : null;
  // What the screen newly asks of someone is said too (no tone: nothing was decided), after any verdict.
  const voice: VoicePrompt | null = noMask ? 'violation' : incorrect ? 'incorrect' : compliant ? 'compliant' : (asked[0] ?? null);
  return { sound: sound.prompts === 'voice' ? null : tone, voice: sound.prompts === 'tones' ? null : voice };
}

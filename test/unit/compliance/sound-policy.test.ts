import { describe, expect, it } from 'vitest';
import { cueFor, inQuietHours } from '../../../src/main/compliance/sound-policy';
import type { ComplianceEvent } from '../../../src/main/compliance/tracker';
import { DEFAULT_SETTINGS } from '../../../src/shared/settings';

const ev = (
  kind: ComplianceEvent['kind'],
  verdict: ComplianceEvent['verdict'] = kind === 'violation' ? 'no_mask' : 'mask',
): ComplianceEvent => ({ kind, verdict, trackId: 1, at: 0, confidence: 0.9, box: { x: 0, y: 0, width: 1, height: 1 } });
const at = (hh: number, mm = 0): Date => new Date(2026, 10, 27, hh, mm);
const sound = DEFAULT_SETTINGS.sound;
const soundFor = (...args: Parameters<typeof cueFor>) => cueFor(...args).sound;

describe('sound policy', () => {
  it('plays an alert for a violation and a chime for compliance, the alert first', () => {
    expect(soundFor([ev('violation')], sound, at(12))).toBe('alert');
    expect(soundFor([ev('compliant')], sound, at(12))).toBe('chime');
    expect(soundFor([ev('compliant'), ev('violation')], sound, at(12))).toBe('alert');
    expect(soundFor([], sound, at(12))).toBeNull();
  });

  it('plays the alert for a mask below the nose, also where it is only a reminder', () => {
    expect(soundFor([ev('violation', 'incorrect')], sound, at(12))).toBe('alert');
    expect(soundFor([ev('compliant', 'incorrect')], sound, at(12))).toBe('alert');
    expect(soundFor([ev('compliant', 'mask')], sound, at(12))).toBe('chime');
  });

  it('stays silent when muted, at zero volume, or in quiet hours', () => {
    expect(soundFor([ev('violation')], { ...sound, muted: true }, at(12))).toBeNull();
    expect(soundFor([ev('violation')], { ...sound, volume: 0 }, at(12))).toBeNull();
    const quiet = { ...sound, quietHours: { enabled: true, start: '22:00', end: '07:00' } };
    expect(soundFor([ev('violation')], quiet, at(23))).toBeNull();
    expect(soundFor([ev('violation')], quiet, at(12))).toBe('alert');
  });

  it('speaks the verdict when staff choose a voice, in place of the tone or after it', () => {
    const voice = { ...sound, prompts: 'voice' as const };
    const both = { ...sound, prompts: 'both' as const };
    expect(cueFor([ev('violation')], sound, at(12))).toEqual({ sound: 'alert', voice: null });
    expect(cueFor([ev('violation')], voice, at(12))).toEqual({ sound: null, voice: 'violation' });
    expect(cueFor([ev('violation', 'incorrect')], both, at(12))).toEqual({ sound: 'alert', voice: 'incorrect' });
    expect(cueFor([ev('compliant', 'incorrect')], voice, at(12))).toEqual({ sound: null, voice: 'incorrect' });
    expect(cueFor([ev('compliant')], both, at(12))).toEqual({ sound: 'chime', voice: 'compliant' });
    // Two people at once: the one without a mask is spoken to first.
    expect(cueFor([ev('violation', 'incorrect'), ev('violation', 'no_mask'), ev('compliant')], both, at(12))).toEqual({
      sound: 'alert',
      voice: 'violation',
    });
    // Muted and quiet hours silence the voice as well.
    expect(cueFor([ev('violation')], { ...both, muted: true }, at(12))).toEqual({ sound: null, voice: null });
    expect(cueFor([ev('violation')], { ...both, quietHours: { enabled: true, start: '22:00', end: '07:00' } }, at(23))).toEqual({
      sound: null,
      voice: null,
    });
  });

  it('says what the screen newly asks of a visitor when staff choose a voice, without a tone, after any verdict', () => {
    const voice = { ...sound, prompts: 'voice' as const };
    const both = { ...sound, prompts: 'both' as const };
    expect(cueFor([], voice, at(12), ['step_closer'])).toEqual({ sound: null, voice: 'step_closer' });
    expect(cueFor([], both, at(12), ['face_camera'])).toEqual({ sound: null, voice: 'face_camera' });
    // Tones only: nothing was decided, so nothing plays.
    expect(cueFor([], sound, at(12), ['step_back'])).toEqual({ sound: null, voice: null });
    // Someone else's verdict in the same frame is said instead; the request is not said later.
    expect(cueFor([ev('violation')], both, at(12), ['hold_still'])).toEqual({ sound: 'alert', voice: 'violation' });
    expect(cueFor([], { ...voice, muted: true }, at(12), ['too_dark'])).toEqual({ sound: null, voice: null });
  });

  it('handles quiet hours that wrap midnight and ones that do not', () => {
    const night = { enabled: true, start: '22:00', end: '07:00' };
    expect([at(21, 59), at(22), at(3), at(6, 59), at(7)].map((d) => inQuietHours(night, d))).toEqual([false, true, true, true, false]);
    const lunch = { enabled: true, start: '12:00', end: '13:30' };
    expect([at(11, 59), at(12), at(13, 29), at(13, 30)].map((d) => inQuietHours(lunch, d))).toEqual([false, true, true, false]);
    expect(inQuietHours({ ...night, enabled: false }, at(23))).toBe(false);
  });
});

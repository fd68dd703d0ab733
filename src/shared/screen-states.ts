// What the kiosk screen and each tracked face can show.
import { z } from 'zod';

export const TrackState = z.enum(['checking', 'guidance', 'compliant', 'incorrect', 'violation']);
export type TrackState = z.infer<typeof TrackState>;
export const ScreenState = z.enum(['idle', ...TrackState.options]);
export type ScreenState = z.infer<typeof ScreenState>;
/** Why a face cannot be judged yet, said to the person as a hint. */
export const Guidance = z.enum(['step_back', 'step_closer', 'face_camera', 'too_dark', 'hold_still']);
export type Guidance = z.infer<typeof Guidance>;
/** What happened to a person: judged in violation, or judged compliant (thanks, or a reminder). */
export const EventKind = z.enum(['violation', 'compliant']);
export type EventKind = z.infer<typeof EventKind>;
/** The tones the kiosk plays. */
export const Tone = z.enum(['alert', 'chime']);
export type Tone = z.infer<typeof Tone>;

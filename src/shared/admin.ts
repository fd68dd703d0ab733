// The admin PIN as staff type it, and what an unlock attempt answers.
import { z } from 'zod';

export const PIN_PATTERN = /^\d{4,8}$/;
export const Pin = z.object({ pin: z.string().regex(PIN_PATTERN, 'PIN must be 4 to 8 digits') });

/** Wrong PINs since the last good unlock: told to staff when they next unlock. */
export const RefusedAttempts = z.object({ refused: z.number(), lockouts: z.number(), lastAt: z.number() });
export type RefusedAttempts = z.infer<typeof RefusedAttempts>;

export const UnlockResult = z.union([
  z.object({ ok: z.literal(true), since: RefusedAttempts.optional() }),
  z.object({ ok: z.literal(false), reason: z.literal('wrong'), triesLeft: z.number() }),
  z.object({ ok: z.literal(false), reason: z.literal('locked'), lockedUntil: z.number() }),
  z.object({ ok: z.literal(false), reason: z.literal('not_set') }),
  z.object({ ok: z.literal(false), reason: z.literal('damaged') }),
]);
export type UnlockResult = z.infer<typeof UnlockResult>;

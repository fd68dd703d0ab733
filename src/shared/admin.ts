// The admin PIN as staff type it, and what an unlock attempt answers.
import { z } from 'zod';

export const PIN_PATTERN = /^\d{4,8}$/;
export const Pin = z.object({ pin: z.string().regex(PIN_PATTERN, 'PIN must be 4 to 8 digits') });

export const UnlockResult = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), reason: z.literal('wrong'), triesLeft: z.number() }),
  z.object({ ok: z.literal(false), reason: z.literal('locked'), lockedUntil: z.number() }),
  z.object({ ok: z.literal(false), reason: z.literal('not_set') }),
  z.object({ ok: z.literal(false), reason: z.literal('damaged') }),
]);
export type UnlockResult = z.infer<typeof UnlockResult>;

// What the admin screen's "All entrances" scope reads from the site database (with the reviewer login).
import { z } from 'zod';
import { VIOLATION_VERDICTS } from './verdicts';
import { Time } from './violation-log';

const Login = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'not a kiosk login');

export const SitePageQuery = z.object({
  from: Time,
  to: Time,
  /** One entrance (its kiosk login), or all. */
  kioskId: Login.optional(),
  before: z.object({ at: Time, id: z.uuid() }).optional(),
  limit: z.number().int().min(1).max(100).default(25),
});
export type SitePageQuery = z.input<typeof SitePageQuery>;

export const SiteEvent = z.object({
  id: z.string(),
  kioskId: z.string(),
  kioskName: z.string(),
  at: z.number(),
  tzOffsetMinutes: z.number(),
  verdict: z.enum(VIOLATION_VERDICTS),
  confidence: z.number(),
  modelId: z.string(),
  /** The blurred thumbnail as a data: URL, when that kiosk ships them. */
  thumbnail: z.string().nullable(),
});
export type SiteEvent = z.infer<typeof SiteEvent>;

export const SitePage = z.object({ rows: z.array(SiteEvent), next: z.object({ at: z.number(), id: z.string() }).nullable() });
export type SitePage = z.infer<typeof SitePage>;

export const SiteDayCount = z.object({
  kioskId: z.string(),
  kioskName: z.string(),
  /** The kiosk's local calendar day, YYYY-MM-DD. */
  day: z.string(),
  checks: z.number(),
  violations: z.number(),
});
export type SiteDayCount = z.infer<typeof SiteDayCount>;

export const KioskHealth = z.object({
  kioskId: z.string(),
  kioskName: z.string(),
  lastHeartbeat: z.number(),
  /** No heartbeat for over 90 s: offline since `lastHeartbeat`. */
  offline: z.boolean(),
  state: z.string(),
  camera: z.string(),
  fps: z.number(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  queued: z.number(),
  version: z.string(),
});
export type KioskHealth = z.infer<typeof KioskHealth>;

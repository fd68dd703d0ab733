// The violation log as the review screen sees it: entries, filters, pages, per-day counts.
import { z } from 'zod';
import { Guidance } from './screen-states';
import { VIOLATION_VERDICTS } from './verdicts';

/** Milliseconds since the epoch, within what a JavaScript Date can hold. */
export const Time = z.number().int().min(0).max(8.64e15);

export const FLAG_FILTERS = ['all', 'unreviewed', 'reviewed', 'false_positive', 'confirmed'] as const;
export type FlagFilter = (typeof FLAG_FILTERS)[number];
export const VERDICT_FILTERS = ['all', ...VIOLATION_VERDICTS] as const;
export type VerdictFilter = (typeof VERDICT_FILTERS)[number];

export const LogFilter = z.object({
  from: Time.optional(),
  to: Time.optional(),
  flag: z.enum(FLAG_FILTERS).default('all'),
  verdict: z.enum(VERDICT_FILTERS).default('all'),
});
export type LogFilter = z.input<typeof LogFilter>;

export const LogPageQuery = LogFilter.extend({
  before: z.object({ at: Time, id: z.number().int().min(0) }).optional(),
  limit: z.number().int().min(1).max(100).default(25),
});

export const LogEntry = z.object({
  id: z.number(),
  /** Milliseconds since the epoch (UTC). */
  at: z.number(),
  /** Minutes east of UTC at the kiosk when it happened (e.g. +60 for CET). */
  tzOffsetMinutes: z.number(),
  trackId: z.number(),
  verdict: z.enum(VIOLATION_VERDICTS),
  confidence: z.number(),
  modelId: z.string(),
  cameraId: z.string(),
  snapshot: z.string().nullable(),
  reviewed: z.boolean(),
  falsePositive: z.boolean(),
  note: z.string().nullable(),
});
export type LogEntry = z.infer<typeof LogEntry>;

export const LogPage = z.object({
  rows: z.array(LogEntry),
  total: z.number(),
  totalCapped: z.boolean(),
  next: z.object({ at: z.number(), id: z.number() }).nullable(),
});
export type LogPage = z.infer<typeof LogPage>;

export const DayCount = z.object({
  /** Local calendar day, YYYY-MM-DD. */
  day: z.string(),
  checks: z.number(),
  violations: z.number(),
});
export type DayCount = z.infer<typeof DayCount>;

export const DayRange = z
  .object({ from: Time, to: Time })
  .refine((r) => r.to > r.from && r.to - r.from <= 400 * 86_400_000, 'range must be positive and at most 400 days');

/** People asked each thing (step closer, face the camera…) before they could be judged; absent: none. */
export const AskedCounts = z.partialRecord(Guidance, z.number().int().min(0));
export type AskedCounts = z.infer<typeof AskedCounts>;

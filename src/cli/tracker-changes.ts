// The tracker settings a command line may change (scan --tracker, replay --tracker): a JSON object
// whose names and value types are those of DEFAULT_TRACKER_OPTIONS, checked.
import { z } from 'zod';
import { DEFAULT_TRACKER_OPTIONS, type TrackerOptions } from '../main/compliance/tracker';
import { firstIssue } from '../shared/zod-issue';
import { UsageError } from './command-line';

const TrackerChanges = z
  .object(
    Object.fromEntries(
      Object.entries(DEFAULT_TRACKER_OPTIONS).map(([name, value]) => [
        name,
        typeof value === 'boolean' ? z.boolean() : z.number().finite(),
      ]),
    ),
  )
  .partial()
  .strict();

/** `text` as tracker changes; a UsageError says what is wrong with it (naming --tracker, as the user typed it). */
export function parseTrackerChanges(text: string): Partial<TrackerOptions> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsageError(`--tracker takes a JSON object, got ${text}`);
  }
  const parsed = TrackerChanges.safeParse(raw);
  if (!parsed.success) throw new UsageError(`--tracker ${text}: ${firstIssue(parsed.error, 'tracker settings')}`);
  return parsed.data as Partial<TrackerOptions>;
}

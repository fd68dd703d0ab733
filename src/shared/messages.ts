// What main tells the screen, as a code the renderer translates and the values to fill in. A
// `detail` parameter carries the technical cause (a file path, an error) verbatim, for staff and
// the app log; the sentence around it is in the visitor's language.
import { z } from 'zod';

export const MESSAGE_CODES = [
  /** The vision engine could not load its models at start. */
  'engine_failed',
  /** The vision engine stopped and comes back by itself. */
  'engine_restarting',
  /** The vision engine failed too often and rests before the next try. */
  'engine_resting',
  /** Staff have not chosen the admin PIN yet. */
  'setup_unfinished',
  /** The settings file was unreadable or partly invalid; defaults stand in. */
  'settings_reset',
  /** The violation log had to be set aside or repaired. */
  'log_problem',
  /** The violation log cannot be written (a full disk): what it should hold waits in memory. */
  'log_unwritable',
  /** The GPU provider crashed the engine while loading; it runs on the CPU. */
  'provider_fallback',
  /** Site reporting is on but a setting is missing or the password cannot be opened. */
  'site_unconfigured',
  /** Shipping to the site database fails (unreachable, wrong password, TLS); it retries. */
  'site_failing',
  /** The site database's schema is not the one this kiosk writes; shipping stopped. */
  'site_schema',
  /** A file staff saved was refused by the disk (full, read-only, no permission); nothing changed. */
  'not_saved',
  /** Host, port or TLS of the site database changed: the saved passwords are not sent to a new server. */
  'site_password_again',
] as const;
export type MessageCode = (typeof MESSAGE_CODES)[number];

export const Message = z.object({
  code: z.enum(MESSAGE_CODES),
  params: z.record(z.string(), z.union([z.string(), z.number()])),
});
export type Message = z.infer<typeof Message>;

export const message = (code: MessageCode, params: Record<string, string | number> = {}): Message => ({ code, params });

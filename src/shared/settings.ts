// The settings schema with its defaults: one source of truth for main, the IPC contract and the
// renderer's settings form.
// How to add a setting: add it below with a .default(); old files pick up the default on load.
// Changing the meaning or shape of an existing one needs a new version and a migration step in
// settings.ts.
import { z } from 'zod';
import { LANGUAGES, type Language } from './languages';
import { Guidance } from './screen-states';
import { VERDICTS } from './verdicts';

export const SNAPSHOT_MODES = ['none', 'blurred', 'face'] as const;
export type SnapshotMode = (typeof SNAPSHOT_MODES)[number];

export const SETTINGS_VERSION = 1;

export const SITE_TLS_MODES = ['off', 'require', 'verify-full'] as const;
export type SiteTlsMode = (typeof SITE_TLS_MODES)[number];
/** What `settings:get` puts where a sealed site password is: the screen learns only that one is set. */
export const PASSWORD_SET = 'set';

/** What the kiosk plays for a verdict: the tones, a short spoken phrase in the screen's language, or both. */
export const PROMPT_MODES = ['tones', 'voice', 'both'] as const;
export type PromptMode = (typeof PROMPT_MODES)[number];
/** The spoken phrases of the verdicts (assets/voice/<language>/<prompt>.wav). */
export const VERDICT_PROMPTS = ['compliant', 'violation', 'incorrect'] as const;
/**
 * Every spoken phrase: the verdicts', and what the screen asks of a visitor before it can judge
 * them (step closer, face the camera...), for those who cannot read it.
 */
export const VOICE_PROMPTS = [...VERDICT_PROMPTS, ...Guidance.options] as const;
export type VoicePrompt = (typeof VOICE_PROMPTS)[number];

const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)');

/** A line staff write for visitors: one line of plain text (no line breaks or control characters). */
const VisitorNote = z
  .string()
  .max(100)
  .regex(/^[^\p{Cc}]*$/u, 'one line of plain text')
  .default('');

export const Settings = z.object({
  version: z.literal(SETTINGS_VERSION).default(SETTINGS_VERSION),
  camera: z
    .object({
      /** A MediaDeviceInfo.deviceId; null picks the first camera. */
      deviceId: z.string().nullable().default(null),
    })
    .prefault({}),
  model: z
    .object({
      /** A classifier folder; null uses the bundled models/facemask-default. */
      folder: z.string().nullable().default(null),
      labelOverrides: z.record(z.string(), z.enum(VERDICTS)).default({}),
      /** The nose check (models/nose-check) looks again at every face the classifier calls a mask. */
      noseCheck: z.boolean().default(true),
    })
    .prefault({}),
  detection: z
    .object({
      minScore: z.number().min(0.05).max(0.99).default(0.5),
    })
    .prefault({}),
  compliance: z
    .object({
      compliantAt: z.number().min(0.5).max(0.99).default(0.7),
      violationAt: z.number().min(0.01).max(0.5).default(0.3),
      minDwellMs: z.number().int().min(0).max(5000).default(200),
      cooldownMs: z.number().int().min(0).max(600_000).default(4000),
      /** A mask below the nose is logged as a violation; false makes it a reminder on screen only. */
      incorrectIsViolation: z.boolean().default(true),
    })
    .prefault({}),
  sound: z
    .object({
      volume: z.number().min(0).max(1).default(0.8),
      muted: z.boolean().default(false),
      prompts: z.enum(PROMPT_MODES).default('tones'),
      quietHours: z
        .object({
          enabled: z.boolean().default(false),
          start: Time.default('22:00'),
          end: Time.default('07:00'),
        })
        .prefault({}),
    })
    .prefault({}),
  language: z.enum(LANGUAGES).default('en'),
  /** A second language under the first on what visitors read (a lobby with visitors from abroad); null: none. */
  secondLanguage: z.enum(LANGUAGES).nullable().default(null),
  privacy: z
    .object({
      /** What a violation keeps of the face: nothing, a blurred crop (default), or the crop. */
      snapshot: z.enum(SNAPSHOT_MODES).default('blurred'),
    })
    .prefault({}),
  /** Shipping violations, hourly counts and heartbeats to the site's PostgreSQL (README "Site reporting"). */
  site: z
    .object({
      enabled: z.boolean().default(false),
      host: z.string().max(255).default(''),
      port: z.number().int().min(1).max(65_535).default(5432),
      database: z.string().max(63).default('maskkiosk'),
      /** This kiosk's login role (site/add-kiosk.sql). */
      user: z.string().max(63).default(''),
      /** The password sealed by the OS key store. Main never sends it to the screen: `settings:get` says only whether one is set. */
      passwordSealed: z.string().max(4096).nullable().default(null),
      tls: z.enum(SITE_TLS_MODES).default('verify-full'),
      /** PEM file of the CA that signed the database's certificate (verify-full with a private CA). */
      caFile: z.string().max(1024).nullable().default(null),
      /** This entrance's name for people, e.g. "North entrance". */
      kioskName: z.string().max(100).default(''),
      /** Also ship each violation's blurred thumbnail. Off: no picture ever leaves the kiosk; face crops never do. */
      shipThumbnails: z.boolean().default(false),
      /** A read-only login (site/add-reviewer.sql) for the admin screen's "All entrances"; empty: not offered. */
      reviewUser: z.string().max(63).default(''),
      /** Sealed like the kiosk password; `settings:get` says only whether one is set. */
      reviewPasswordSealed: z.string().max(4096).nullable().default(null),
    })
    .prefault({}),
  /** Start the kiosk when the lobby PC's user logs in. */
  startAtLogin: z.boolean().default(false),
  display: z
    .object({
      /**
       * With nobody in view this long, the screen rests: dimmed, the words drifting slowly (no
       * image burnt into the panel overnight), and the camera's frames looked at 5 times a second
       * instead of every one. The first face wakes it. 0: never.
       */
      restAfterMinutes: z.number().min(0).max(1440).default(10),
      /**
       * The facility's own line for visitors refused (no mask, or one below the nose), such as
       * where masks are handed out; in the first language and, when one is chosen, the second.
       * Empty: none.
       */
      refusedNote: VisitorNote,
      refusedNoteSecond: VisitorNote,
    })
    .prefault({}),
  retention: z
    .object({
      days: z.number().int().min(1).max(3650).default(30),
      maxMegabytes: z.number().min(10).max(100_000).default(500),
    })
    .prefault({}),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = Settings.parse({});

/** The second language visitors are shown, or null: none chosen, or the same as the first. */
export const secondLanguageOf = (s: Pick<Settings, 'language' | 'secondLanguage'>): Language | null =>
  s.secondLanguage === s.language ? null : s.secondLanguage;

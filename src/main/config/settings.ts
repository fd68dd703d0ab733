// Settings: one versioned schema with its defaults, validated on load, written atomically.
// How to add a setting: add it to the schema below with a .default(); old files pick up the
// default on load. Changing the meaning or shape of an existing one needs a new version and a
// migration step in MIGRATIONS.
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { VERDICTS } from '../vision/labels';

export const SNAPSHOT_MODES = ['none', 'blurred', 'face'] as const;

export const SETTINGS_VERSION = 1;

const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)');

export const Settings = z.object({
  version: z.literal(SETTINGS_VERSION).default(SETTINGS_VERSION),
  camera: z.object({
    /** A MediaDeviceInfo.deviceId; null picks the first camera. */
    deviceId: z.string().nullable().default(null),
  }).prefault({}),
  model: z.object({
    /** A classifier folder; null uses the bundled models/facemask-default. */
    folder: z.string().nullable().default(null),
    labelOverrides: z.record(z.string(), z.enum(VERDICTS)).default({}),
  }).prefault({}),
  detection: z.object({
    minScore: z.number().min(0.05).max(0.99).default(0.5),
  }).prefault({}),
  compliance: z.object({
    compliantAt: z.number().min(0.5).max(0.99).default(0.7),
    violationAt: z.number().min(0.01).max(0.5).default(0.3),
    minDwellMs: z.number().int().min(0).max(5000).default(200),
    cooldownMs: z.number().int().min(0).max(600_000).default(4000),
  }).prefault({}),
  sound: z.object({
    volume: z.number().min(0).max(1).default(0.8),
    muted: z.boolean().default(false),
    quietHours: z.object({
      enabled: z.boolean().default(false),
      start: Time.default('22:00'),
      end: Time.default('07:00'),
    }).prefault({}),
  }).prefault({}),
  language: z.enum(['en', 'de']).default('en'),
  privacy: z.object({
    /** What a violation keeps of the face: nothing, a blurred crop (default), or the crop. */
    snapshot: z.enum(SNAPSHOT_MODES).default('blurred'),
  }).prefault({}),
  retention: z.object({
    days: z.number().int().min(1).max(3650).default(30),
    maxMegabytes: z.number().min(10).max(100_000).default(500),
  }).prefault({}),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = Settings.parse({});

/** Upgrade steps, keyed by the version they upgrade from. */
const MIGRATIONS: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {};

export interface LoadedSettings {
  settings: Settings;
  /** Set when the file was unreadable and defaults were used; says where the old file went. */
  warning: string | null;
}

function migrate(raw: Record<string, unknown>): Record<string, unknown> {
  let data = raw;
  let version = typeof data.version === 'number' ? data.version : SETTINGS_VERSION;
  while (version < SETTINGS_VERSION) {
    const step = MIGRATIONS[version];
    if (!step) throw new Error(`no migration from settings version ${version}`);
    data = { ...step(data), version: ++version };
  }
  return data;
}

/**
 * Reads settings; a missing file gives defaults. A file that is not valid JSON or not valid
 * settings is kept beside as `<file>.broken-<time>`, replaced by defaults, and reported.
 */
export function loadSettings(file: string, now: Date = new Date()): LoadedSettings {
  if (!existsSync(file)) return { settings: DEFAULT_SETTINGS, warning: null };
  let problem: string;
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
    const parsed = Settings.safeParse(migrate(raw as Record<string, unknown>));
    if (parsed.success) return { settings: parsed.data, warning: null };
    const issue = parsed.error.issues[0]!;
    problem = `${issue.path.join('.') || 'settings'}: ${issue.message}`;
  } catch (err) {
    problem = (err as Error).message;
  }
  const backup = `${file}.broken-${now.toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, backup);
  saveSettings(file, DEFAULT_SETTINGS);
  return { settings: DEFAULT_SETTINGS, warning: `Settings file was unreadable (${problem}); defaults are in use and the old file was kept as ${backup}.` };
}

/** Writes to a temporary file and renames it over the old one, so a crash never leaves half a file. */
export function saveSettings(file: string, settings: Settings): void {
  const valid = Settings.parse(settings);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(valid, null, 2) + '\n');
  renameSync(tmp, file);
}

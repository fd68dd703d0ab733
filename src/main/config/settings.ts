// Settings on disk: validated on load (a broken file is kept aside and defaults used), migrated
// from older versions, written atomically. The schema itself is in settings-schema.ts.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write';
import { DEFAULT_SETTINGS, Settings, SETTINGS_VERSION } from './settings-schema';
import { firstIssue } from '../../shared/zod-issue';

export { Settings, SETTINGS_VERSION, SNAPSHOT_MODES, DEFAULT_SETTINGS } from './settings-schema';

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
    problem = firstIssue(parsed.error, 'settings');
  } catch (err) {
    problem = (err as Error).message;
  }
  const backup = `${file}.broken-${now.toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, backup);
  saveSettings(file, DEFAULT_SETTINGS);
  return { settings: DEFAULT_SETTINGS, warning: `Settings file was unreadable (${problem}); defaults are in use and the old file was kept as ${backup}.` };
}

/** Replaces the file atomically and durably: a crash never leaves half a file. */
export function saveSettings(file: string, settings: Settings): void {
  writeFileAtomic(file, JSON.stringify(Settings.parse(settings), null, 2) + '\n');
}

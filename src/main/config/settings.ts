// Settings on disk: validated field by field on load (what fails is reset and named, the rest
// kept), migrated from older versions, written atomically. The schema itself is in src/shared/settings.ts.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { DEFAULT_SETTINGS, SETTINGS_VERSION, Settings } from '../../shared/settings';
import { writeFileAtomic } from './atomic-write';

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

/** Where a privacy setting cannot be read, the kiosk keeps the least it can. */
const MOST_PRIVATE: Record<string, unknown> = { 'privacy.snapshot': 'none' };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Dotted paths of keys in `raw` that the schema does not know (they would be dropped silently). */
function unknownKeys(raw: Json, shape: Json, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const field = shape[key] as { def?: { innerType?: unknown }; shape?: Json } | undefined;
    if (!field) {
      out.push(prefix + key);
      continue;
    }
    const inner = objectShape(field);
    if (inner && isObject(value)) out.push(...unknownKeys(value, inner, `${prefix}${key}.`));
  }
  return out;
}

/** The object shape inside a field schema wrapped in default/prefault, if it is an object. */
function objectShape(schema: unknown): Json | null {
  let s = schema as { shape?: Json; def?: { innerType?: unknown } } | undefined;
  for (let i = 0; s && i < 5; i++) {
    if (s.shape) return s.shape;
    s = s.def?.innerType as typeof s;
  }
  return null;
}

function deletePath(obj: Json, path: readonly PropertyKey[]): void {
  let node: unknown = obj;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node)) return;
    node = node[key as string];
  }
  if (isObject(node)) delete node[path.at(-1) as string];
}

function setPath(obj: Json, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = obj;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as Json;
  }
  node[keys.at(-1)!] = value;
}

/** The privacy fields a reset of `path` takes with it: the field itself, or every one inside it. */
function privacyFieldsUnder(path: string): string[] {
  return Object.keys(MOST_PRIVATE).filter((field) => path === 'everything' || field === path || field.startsWith(`${path}.`));
}

/** `settings` with the privacy fields that `resetPaths` covers set to their most private values. */
function mostPrivate(settings: Settings, resetPaths: readonly string[]): Settings {
  const out = structuredClone(settings) as unknown as Json;
  for (const field of new Set(resetPaths.flatMap(privacyFieldsUnder))) setPath(out, field, MOST_PRIVATE[field]);
  return Settings.parse(out);
}

/**
 * Validates field by field: whatever fails is dropped so its default applies (or, for a privacy
 * field, the most private value), and everything that validates is kept. Each round drops every
 * field the schema names at once, so a file with hundreds of bad entries (a long list of label
 * overrides) still keeps the good ones; only a file with nothing left to drop falls back whole.
 */
function recover(data: Json): { settings: Settings; reset: string[] } {
  const work = structuredClone(data);
  const reset = new Set<string>();
  // Each round deletes at least one key of a finite object, so this ends; the bound is a guard.
  for (let round = 0; round < 10_000; round++) {
    const parsed = Settings.safeParse(work);
    if (parsed.success) return { settings: mostPrivate(parsed.data, [...reset]), reset: [...reset] };
    let dropped = false;
    for (const issue of parsed.error.issues) {
      const path = issue.path;
      if (path.length === 0) continue;
      // The field itself, not an array element or record entry below it.
      reset.add(path.filter((k) => typeof k === 'string').join('.'));
      deletePath(work, path.length > 1 && typeof path.at(-1) !== 'string' ? path.slice(0, -1) : path);
      dropped = true;
    }
    if (!dropped) break;
  }
  return { settings: mostPrivate(DEFAULT_SETTINGS, ['everything']), reset: ['everything'] };
}

/**
 * Reads settings; a missing file gives defaults. A field that does not validate is reset (the
 * rest is kept) and named; a privacy field that cannot be read takes its most private value. A
 * file that is not JSON at all, or was written by a newer version, is kept beside the new one
 * (`<file>.broken-<time>` / `<file>.newer-<time>`) and reported.
 */
export function loadSettings(file: string, now: Date = new Date()): LoadedSettings {
  if (!existsSync(file)) return { settings: DEFAULT_SETTINGS, warning: null };
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let raw: unknown;
  try {
    // A UTF-8 byte order mark (Notepad writes one) is not part of the JSON.
    raw = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
    if (!isObject(raw)) throw new Error('not a JSON object');
  } catch (err) {
    const backup = `${file}.broken-${stamp}`;
    copyFileSync(file, backup);
    // Unreadable as a whole: nothing says what the privacy choice was, so keep the most private.
    const settings = mostPrivate(DEFAULT_SETTINGS, Object.keys(MOST_PRIVATE));
    saveSettings(file, settings);
    return {
      settings,
      warning: `Settings file was unreadable (${(err as Error).message}); defaults are in use (no snapshots kept) and the old file was kept as ${backup}.`,
    };
  }
  const notes: string[] = [];
  const version = typeof raw.version === 'number' ? raw.version : SETTINGS_VERSION;
  let data: Json;
  if (version > SETTINGS_VERSION) {
    const aside = `${file}.newer-${stamp}`;
    copyFileSync(file, aside);
    notes.push(
      `Settings were written by a newer version of the app (settings version ${version}); it was kept as ${aside}, and what this version understands of it is in use.`,
    );
    data = { ...raw, version: SETTINGS_VERSION };
  } else {
    try {
      data = migrate(raw);
    } catch (err) {
      notes.push(`Settings could not be upgraded (${(err as Error).message}).`);
      data = { version: SETTINGS_VERSION };
    }
  }
  const unknown = unknownKeys(data, Settings.shape as unknown as Json);
  if (unknown.length) notes.push(`Unknown settings ignored: ${unknown.join(', ')}.`);
  const { settings, reset } = recover(data);
  if (reset.length) {
    const backup = `${file}.broken-${stamp}`;
    copyFileSync(file, backup);
    const privateOnes = [...new Set(reset.flatMap(privacyFieldsUnder))];
    const whole = reset.includes('everything');
    notes.push(
      `${whole ? 'All settings reset to their defaults because the file could not be read' : `Settings reset because they could not be read: ${reset.join(', ')}`}` +
        (privateOnes.length ? ` (${privateOnes.join(', ')} set to its most private value)` : '') +
        `; ${whole ? 'nothing' : 'the rest'} was kept, and the old file saved as ${backup}.`,
    );
  }
  if (reset.length || version > SETTINGS_VERSION) saveSettings(file, settings);
  return { settings, warning: notes.length ? notes.join(' ') : null };
}

/** Replaces the file atomically and durably: a crash never leaves half a file. */
export function saveSettings(file: string, settings: Settings): void {
  writeFileAtomic(file, `${JSON.stringify(Settings.parse(settings), null, 2)}\n`);
}

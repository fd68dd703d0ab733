import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSettings, saveSettings } from '../../../src/main/config/settings';
import { DEFAULT_SETTINGS } from '../../../src/shared/settings';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'settings-'));
  file = join(dir, 'settings.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('settings', () => {
  it('gives defaults when there is no file', () => {
    expect(loadSettings(file)).toEqual({ settings: DEFAULT_SETTINGS, warning: null });
    expect(DEFAULT_SETTINGS.sound).toEqual({
      volume: 0.8,
      muted: false,
      prompts: 'tones',
      quietHours: { enabled: false, start: '22:00', end: '07:00' },
    });
  });

  it('round-trips through an atomic save, leaving no temporary file', () => {
    const changed = { ...DEFAULT_SETTINGS, language: 'de' as const, sound: { ...DEFAULT_SETTINGS.sound, muted: true } };
    saveSettings(file, changed);
    expect(loadSettings(file).settings).toEqual(changed);
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });

  it("keeps the facility's line for refused visitors to one line of plain text", () => {
    const note = 'Masks are handed out at reception – free';
    writeFileSync(file, JSON.stringify({ display: { refusedNote: note, refusedNoteSecond: 'Masques à l’accueil\n<b>gratuits</b>' } }));
    const { settings, warning } = loadSettings(file);
    expect(settings.display.refusedNote).toBe(note);
    // A line break (a hand-edited file) would break the screen's layout: that field alone is reset, and named.
    expect(settings.display.refusedNoteSecond).toBe('');
    expect(warning).toMatch(/display\.refusedNoteSecond/);
  });

  it('fills settings missing from an older file with their defaults', () => {
    writeFileSync(file, JSON.stringify({ version: 1, language: 'de' }));
    const { settings, warning } = loadSettings(file);
    expect(warning).toBeNull();
    expect(settings.language).toBe('de');
    expect(settings.compliance.violationAt).toBe(0.3);
  });

  it('keeps a file that is not JSON as a backup, uses defaults with no snapshots, and says so', () => {
    writeFileSync(file, '{"language": "de", ');
    const { settings, warning } = loadSettings(file, new Date('2026-11-27T10:00:00Z'));
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, privacy: { snapshot: 'none' } });
    expect(warning).toMatch(/Settings file was unreadable .* kept as .*settings\.json\.broken-2026-11-27T10-00-00-000Z/);
    expect(readFileSync(join(dir, 'settings.json.broken-2026-11-27T10-00-00-000Z'), 'utf8')).toBe('{"language": "de", ');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(settings);
  });

  it('resets only the field that is wrong, keeps the rest, and names it', () => {
    writeFileSync(
      file,
      JSON.stringify({ language: 'de', sound: { volume: 3, muted: true }, privacy: { snapshot: 'none' }, retention: { days: 7 } }),
    );
    const { settings, warning } = loadSettings(file, new Date('2026-11-27T10:00:00Z'));
    expect(settings.language).toBe('de');
    expect(settings.sound).toMatchObject({ volume: 0.8, muted: true });
    expect(settings.privacy.snapshot).toBe('none');
    expect(settings.retention.days).toBe(7);
    expect(warning).toMatch(/reset .*: sound\.volume; the rest was kept/);
    expect(loadSettings(file).settings).toEqual(settings);
  });

  it('uses the most private value where a privacy field cannot be read', () => {
    writeFileSync(file, JSON.stringify({ privacy: { snapshot: 'sometimes' }, language: 'de' }));
    const { settings, warning } = loadSettings(file);
    expect(settings.privacy.snapshot).toBe('none');
    expect(settings.language).toBe('de');
    expect(warning).toMatch(/privacy\.snapshot set to its most private value/);
  });

  it('keeps the good settings of a file with many bad entries, and says which were reset', () => {
    const overrides = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`label_${i}`, 'not-a-verdict']));
    writeFileSync(
      file,
      JSON.stringify({
        language: 'de',
        model: { labelOverrides: { ...overrides, Mask: 'mask' } },
        site: { enabled: true, host: 'db.example.org', kioskName: 'North' },
      }),
    );
    const { settings, warning } = loadSettings(file);
    expect(settings.language).toBe('de');
    expect(settings.site).toMatchObject({ enabled: true, host: 'db.example.org', kioskName: 'North' });
    expect(settings.model.labelOverrides).toEqual({ Mask: 'mask' });
    expect(warning).toMatch(/model\.labelOverrides.*; the rest was kept/);
  });

  it('takes the most private snapshot choice when the whole privacy section is unreadable', () => {
    for (const privacy of [null, 'blurred', [], { snapshot: null }]) {
      writeFileSync(file, JSON.stringify({ privacy, language: 'de' }));
      const { settings, warning } = loadSettings(file);
      expect(settings.privacy.snapshot, JSON.stringify(privacy)).toBe('none');
      expect(settings.language).toBe('de');
      expect(warning).toMatch(/privacy\.snapshot set to its most private value/);
    }
  });

  it('reads a file that starts with a UTF-8 byte order mark', () => {
    writeFileSync(file, `\uFEFF${JSON.stringify({ language: 'de', privacy: { snapshot: 'none' } })}`);
    expect(loadSettings(file)).toMatchObject({ settings: { language: 'de', privacy: { snapshot: 'none' } }, warning: null });
  });

  it("keeps a newer version's file aside, says so, and keeps what it understands", () => {
    writeFileSync(file, JSON.stringify({ version: 9, language: 'de', privacy: { snapshot: 'none' }, hologram: { on: true } }));
    const { settings, warning } = loadSettings(file, new Date('2026-11-27T10:00:00Z'));
    expect(settings).toMatchObject({ version: 1, language: 'de', privacy: { snapshot: 'none' } });
    expect(warning).toMatch(/written by a newer version of the app/);
    expect(warning).toMatch(/Unknown settings ignored: hologram/);
    expect(existsSync(join(dir, 'settings.json.newer-2026-11-27T10-00-00-000Z'))).toBe(true);
  });

  it('warns about unknown keys, also nested ones', () => {
    writeFileSync(file, JSON.stringify({ language: 'de', sound: { volum: 0.2 } }));
    const { settings, warning } = loadSettings(file);
    expect(settings.language).toBe('de');
    expect(warning).toMatch(/Unknown settings ignored: sound\.volum\./);
  });

  it('refuses to save invalid settings', () => {
    expect(() => saveSettings(file, { ...DEFAULT_SETTINGS, language: 'xx' as 'en' })).toThrow();
    expect(existsSync(file)).toBe(false);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, loadSettings, saveSettings } from '../../../src/main/config/settings';

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
    expect(DEFAULT_SETTINGS.sound).toEqual({ volume: 0.8, muted: false, quietHours: { enabled: false, start: '22:00', end: '07:00' } });
  });

  it('round-trips through an atomic save, leaving no temporary file', () => {
    const changed = { ...DEFAULT_SETTINGS, language: 'de' as const, sound: { ...DEFAULT_SETTINGS.sound, muted: true } };
    saveSettings(file, changed);
    expect(loadSettings(file).settings).toEqual(changed);
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });

  it('fills settings missing from an older file with their defaults', () => {
    writeFileSync(file, JSON.stringify({ version: 1, language: 'de' }));
    const { settings, warning } = loadSettings(file);
    expect(warning).toBeNull();
    expect(settings.language).toBe('de');
    expect(settings.compliance.violationAt).toBe(0.3);
  });

  it('keeps a broken file as a backup, uses defaults, and says so', () => {
    writeFileSync(file, '{"language": "de", ');
    const { settings, warning } = loadSettings(file, new Date('2026-11-27T10:00:00Z'));
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(warning).toMatch(/Settings file was unreadable .* kept as .*settings\.json\.broken-2026-11-27T10-00-00-000Z/);
    expect(readFileSync(join(dir, 'settings.json.broken-2026-11-27T10-00-00-000Z'), 'utf8')).toBe('{"language": "de", ');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(DEFAULT_SETTINGS);
  });

  it('rejects out-of-range values the same way, naming the field', () => {
    writeFileSync(file, JSON.stringify({ sound: { volume: 3 } }));
    const { warning } = loadSettings(file);
    expect(warning).toMatch(/sound\.volume/);
    expect(existsSync(file)).toBe(true);
  });

  it('refuses to save invalid settings', () => {
    expect(() => saveSettings(file, { ...DEFAULT_SETTINGS, language: 'xx' as 'en' })).toThrow();
    expect(existsSync(file)).toBe(false);
  });
});

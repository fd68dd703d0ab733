import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AVAILABLE_LANGUAGES, formatDay, LOCALES } from '../../../src/renderer/src/lib/i18n';
import { LANGUAGES } from '../../../src/shared/languages';
import { REPO_ROOT } from '../../helpers/paths';

const LOCALE_DIR = join(REPO_ROOT, 'src', 'renderer', 'src', 'locales');
const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();

describe('locales', () => {
  it('exist for exactly the languages the settings offer', () => {
    expect(
      readdirSync(LOCALE_DIR)
        .map((f) => f.replace(/\.json$/, ''))
        .sort(),
    ).toEqual([...LANGUAGES].sort());
    expect(AVAILABLE_LANGUAGES).toEqual([...LANGUAGES].sort());
  });

  it('translate every English key, and no more, keeping each {placeholder}', () => {
    const en = JSON.parse(readFileSync(join(LOCALE_DIR, 'en.json'), 'utf8')) as Record<string, string>;
    for (const lang of LANGUAGES) {
      const locale = LOCALES[lang] as Record<string, string>;
      expect(Object.keys(locale).sort(), lang).toEqual(Object.keys(en).sort());
      for (const [key, value] of Object.entries(locale)) {
        expect(value.trim(), `${lang}.${key}`).not.toBe('');
        expect(placeholders(value), `${lang}.${key}`).toEqual(placeholders(en[key]!));
      }
    }
  });

  it('name each language in itself, for the language menu', () => {
    expect(Object.fromEntries(LANGUAGES.map((lang) => [lang, LOCALES[lang]['language.name']]))).toEqual({
      en: 'English',
      de: 'Deutsch',
      fr: 'Français',
      es: 'Español',
      it: 'Italiano',
      nl: 'Nederlands',
    });
  });

  it("write a review chart's days the way each language writes dates", () => {
    expect(formatDay('de', '2026-11-22', true)).toBe('22.11.');
    expect(formatDay('fr', '2026-11-22', true)).toBe('22/11');
    expect(formatDay('en', '2026-11-22')).toBe('Nov 22, 2026');
    expect(formatDay('nl', '2026-03-01', true)).toBe('1-3');
  });
});

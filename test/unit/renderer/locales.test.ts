import { describe, expect, it } from 'vitest';
import en from '../../../src/renderer/src/locales/en.json';
import de from '../../../src/renderer/src/locales/de.json';

describe('locales', () => {
  it('translate every English key, and no more', () => {
    for (const [name, locale] of Object.entries({ de })) {
      expect(Object.keys(locale).sort(), name).toEqual(Object.keys(en).sort());
      for (const [key, value] of Object.entries(locale)) expect(value.trim(), `${name}.${key}`).not.toBe('');
    }
  });
});

import { describe, expect, it } from 'vitest';
import { LOCALES } from '../../../src/renderer/src/lib/i18n';
import { keepClosingSentenceWhole } from '../../../src/renderer/src/lib/typography';

const NBSP = '\u00A0';

describe('keepClosingSentenceWhole', () => {
  it('keeps a short closing sentence on one line', () => {
    expect(keepClosingSentenceWhole('You are wearing a mask. Please come in.')).toBe(`You are wearing a mask. Please${NBSP}come${NBSP}in.`);
    expect(keepClosingSentenceWhole('Sie tragen eine Maske. Bitte treten Sie ein.')).toBe(
      `Sie tragen eine Maske. Bitte${NBSP}treten${NBSP}Sie${NBSP}ein.`,
    );
  });

  it('lets a long closing sentence and a text of one sentence wrap as before', () => {
    const long = 'Masks are required in this building. Please put one on over your nose and mouth.';
    expect(keepClosingSentenceWhole(long)).toBe(long);
    expect(keepClosingSentenceWhole('Please hold still for a moment.')).toBe('Please hold still for a moment.');
    expect(keepClosingSentenceWhole('Lleva mascarilla.')).toBe('Lleva mascarilla.');
  });

  it('changes nothing but spaces in any screen text of any language', () => {
    for (const [language, messages] of Object.entries(LOCALES)) {
      for (const [key, text] of Object.entries(messages)) {
        expect(keepClosingSentenceWhole(text).replaceAll(NBSP, ' '), `${language} ${key}`).toBe(text.replaceAll(NBSP, ' '));
      }
    }
  });
});

// The kiosk's tones and spoken prompts as files: present for every language, verdict and thing the
// screen asks of a visitor, short
// enough for a person walking past, loud enough to hear across a lobby, and never clipped.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWav, peakOf, speechRms } from '../../../scripts/wav';
import { LANGUAGES } from '../../../src/shared/languages';
import { VERDICT_PROMPTS, VOICE_PROMPTS } from '../../../src/shared/settings';
import { REPO_ROOT } from '../../helpers/paths';

function measure(path: string): { seconds: number; peak: number; rms: number; speechRms: number } {
  const { rate, samples } = decodeWav(readFileSync(path));
  let sum = 0;
  for (const s of samples) sum += s * s;
  return {
    seconds: samples.length / rate,
    peak: peakOf(samples),
    rms: Math.sqrt(sum / samples.length),
    speechRms: speechRms({ rate, samples }),
  };
}

const TONES = ['alert', 'chime'].map((n) => join(REPO_ROOT, 'assets', 'sounds', `${n}.wav`));
const VOICES = LANGUAGES.flatMap((lang) => VOICE_PROMPTS.map((p) => join(REPO_ROOT, 'assets', 'voice', lang, `${p}.wav`)));

describe('sound assets', () => {
  it.each(TONES)('%s is a short, level tone', (path) => {
    const m = measure(path);
    expect(m.seconds).toBeGreaterThan(1);
    expect(m.seconds).toBeLessThan(2);
    expect(m.peak).toBeGreaterThan(0.7);
    expect(m.peak).toBeLessThan(0.95);
  });

  it.each(VOICES)("%s is a short spoken phrase at the tones' level", (path) => {
    const m = measure(path);
    expect(m.seconds).toBeGreaterThan(0.4);
    expect(m.seconds).toBeLessThan(3);
    expect(m.peak).toBeGreaterThan(0.7);
    expect(m.peak).toBeLessThan(0.95);
    // Speech, not a click or silence: most of it is voiced and clearly above the floor.
    expect(m.speechRms).toBeGreaterThan(0.1);
    expect(m.rms).toBeGreaterThan(0.05);
  });

  it('has a phrase for every verdict in every language, and the longer phrase takes longer to say', () => {
    for (const lang of LANGUAGES) {
      const [thanks, wear, pullUp] = VERDICT_PROMPTS.map((p) => measure(join(REPO_ROOT, 'assets', 'voice', lang, `${p}.wav`)).seconds);
      expect(thanks!).toBeLessThan(wear!);
      expect(wear!).toBeLessThanOrEqual(pullUp! + 0.3);
    }
  });
});

// npm run make:voices: speaks each verdict's screen title, and each thing the screen asks of a
// visitor (step closer...), in each shipped language with espeak-ng
// (Debian: apt-get install espeak-ng) into assets/voice/<language>/<prompt>.wav, trimmed and
// levelled like the tones. The phrases are the locale files' titles, so the kiosk says what it
// shows. The files are committed; this script is only needed when a phrase or language changes.
// espeak-ng is GPL; the recordings it makes are ours to ship.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/cli/model-paths';
import { LANGUAGES, type Language } from '../src/shared/languages';
import { VERDICT_PROMPTS, VOICE_PROMPTS } from '../src/shared/settings';
import { decodeWav, encodeWav, type Pcm, peakOf, speechRms } from './wav';

/** espeak-ng's voice per language; a new language needs one here. */
const VOICES: Record<Language, string> = { en: 'en-gb', de: 'de', fr: 'fr-fr', es: 'es', it: 'it', nl: 'nl' };
/** Words per minute: slower than espeak's 175, for a lobby and for visitors who are not native speakers. */
const SPEED = 150;

/** Cuts leading and trailing near-silence, keeping a few milliseconds either side. */
function trim({ rate, samples }: Pcm, threshold = 0.02, pad = 0.03): Pcm {
  let start = samples.findIndex((s) => Math.abs(s) > threshold);
  let end = samples.length - 1;
  while (end > 0 && Math.abs(samples[end]!) <= threshold) end--;
  if (start < 0) return { rate, samples };
  start = Math.max(0, start - Math.round(pad * rate));
  end = Math.min(samples.length - 1, end + Math.round(pad * rate));
  return { rate, samples: samples.slice(start, end + 1) };
}

/** The peak every phrase is written at, and the speech loudness under which a phrase is levelled up. */
const PEAK = 0.8;
const MIN_SPEECH_RMS = 0.12;

/**
 * A phrase as a WAV file, its loudest sample at PEAK. Some of espeak-ng's voices (Spanish, Italian)
 * put a few peaks far above the speech, so scaled by the peak alone they speak more quietly than the
 * tones; those are raised to MIN_SPEECH_RMS and their peaks held under PEAK by a soft limiter.
 */
function level(pcm: Pcm): Buffer {
  const max = peakOf(pcm.samples);
  if (max === 0) return encodeWav(pcm, PEAK);
  const scaled = { rate: pcm.rate, samples: pcm.samples.map((s) => (s * PEAK) / max) };
  const loudness = speechRms(scaled);
  if (loudness >= MIN_SPEECH_RMS) return encodeWav(pcm, PEAK);
  const gain = MIN_SPEECH_RMS / loudness;
  const knee = 0.6 * PEAK;
  const limit = (x: number): number => {
    const a = Math.abs(x);
    return a <= knee ? x : Math.sign(x) * (knee + (PEAK - knee) * Math.tanh((a - knee) / (PEAK - knee)));
  };
  const limited = scaled.samples.map((s) => limit(s * gain));
  // Written as limited, not scaled again to PEAK: the limiter keeps the peaks just under it.
  return encodeWav({ rate: pcm.rate, samples: limited }, peakOf(limited));
}

const work = mkdtempSync(join(tmpdir(), 'voices-'));
try {
  for (const lang of LANGUAGES) {
    const locale = JSON.parse(readFileSync(join(REPO_ROOT, 'src', 'renderer', 'src', 'locales', `${lang}.json`), 'utf8')) as Record<
      string,
      string
    >;
    const dir = join(REPO_ROOT, 'assets', 'voice', lang);
    mkdirSync(dir, { recursive: true });
    for (const prompt of VOICE_PROMPTS) {
      // What the screen says: a verdict's title, or the title of what it asks.
      const key = (VERDICT_PROMPTS as readonly string[]).includes(prompt) ? `${prompt}.title` : `guidance.${prompt}.title`;
      const text = locale[key];
      if (!text) throw new Error(`${lang}.json has no ${key} to speak`);
      const raw = join(work, `${lang}-${prompt}.wav`);
      execFileSync('espeak-ng', ['-v', VOICES[lang], '-s', String(SPEED), '-w', raw, text]);
      writeFileSync(join(dir, `${prompt}.wav`), level(trim(decodeWav(readFileSync(raw)))));
      console.log(`${lang}/${prompt}.wav: "${text}"`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

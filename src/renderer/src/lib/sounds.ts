// Plays the sounds main asks for: a tone, then the spoken phrase in the screen's language (and in its
// second language, if staff chose one). Main has already applied mute, quiet hours and the
// tones/voice setting; volume is set here.

import alertUrl from '../../../../assets/sounds/alert.wav?url';
import chimeUrl from '../../../../assets/sounds/chime.wav?url';
import type { Language } from '../../../shared/languages';
import type { VoicePrompt } from '../../../shared/settings';

const SOURCES = { chime: chimeUrl, alert: alertUrl } as const;
export type SoundName = keyof typeof SOURCES;

// assets/voice/<language>/<prompt>.wav, one per language and verdict (scripts/make-voices.ts).
const VOICE_FILES = import.meta.glob<string>('../../../../assets/voice/*/*.wav', { eager: true, query: '?url', import: 'default' });
const voiceUrl = (lang: Language, prompt: VoicePrompt): string | undefined =>
  Object.entries(VOICE_FILES).find(([path]) => path.endsWith(`/voice/${lang}/${prompt}.wav`))?.[1];

export class SoundPlayer {
  private readonly audio = new Map<string, HTMLAudioElement>();
  constructor(private volume: number) {}

  setVolume(volume: number): void {
    this.volume = Math.max(0, Math.min(1, volume));
  }

  /**
   * The tone, if any, then the phrase in each language, if any, each once the one before has
   * finished (a second language for visitors from abroad says it again).
   */
  play(name: SoundName | null, voice: { langs: readonly Language[]; prompt: VoicePrompt } | null = null): void {
    const phrases = voice ? voice.langs.flatMap((lang) => voiceUrl(lang, voice.prompt) ?? []) : [];
    const chain = [...(name ? [SOURCES[name]] : []), ...phrases].map((src) => this.element(src));
    chain.forEach((a, i) => {
      const next = chain[i + 1];
      a.onended = next ? () => this.start(next) : null;
    });
    if (chain[0]) this.start(chain[0]);
  }

  private element(src: string): HTMLAudioElement {
    let a = this.audio.get(src);
    if (!a) {
      a = new Audio(src);
      a.preload = 'auto';
      this.audio.set(src, a);
    }
    return a;
  }

  private start(a: HTMLAudioElement): void {
    a.volume = this.volume;
    a.currentTime = 0;
    // Autoplay may be refused before any user gesture in a plain browser; the kiosk window allows it.
    void a.play().catch(() => undefined);
  }
}

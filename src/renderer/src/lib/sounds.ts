// Plays the sounds main asks for. Main has already applied mute and quiet hours; volume is set here.

import alertUrl from '../../../../assets/sounds/alert.wav?url';
import chimeUrl from '../../../../assets/sounds/chime.wav?url';

const SOURCES = { chime: chimeUrl, alert: alertUrl } as const;
export type SoundName = keyof typeof SOURCES;

export class SoundPlayer {
  private readonly audio = new Map<SoundName, HTMLAudioElement>();
  constructor(private volume: number) {
    for (const [name, src] of Object.entries(SOURCES) as [SoundName, string][]) {
      const a = new Audio(src);
      a.preload = 'auto';
      this.audio.set(name, a);
    }
  }

  setVolume(volume: number): void {
    this.volume = Math.max(0, Math.min(1, volume));
  }

  play(name: SoundName): void {
    const a = this.audio.get(name)!;
    a.volume = this.volume;
    a.currentTime = 0;
    // Autoplay may be refused before any user gesture in a plain browser; the kiosk window allows it.
    void a.play().catch(() => undefined);
  }
}

// Synthesises the kiosk's two sounds into assets/sounds as 16-bit mono WAV:
//  chime.wav - a soft rising two-note bell for "thank you, you're wearing a mask";
//  alert.wav - a clear, not shrill, three-pulse two-tone for "please put on a mask".
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeWav } from './wav';

const RATE = 44_100;
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'sounds');

/** A bell-like note: fundamental plus soft partials, quick attack, exponential decay. */
function bell(buf: Float32Array, start: number, freq: number, seconds: number, level: number): void {
  const partials: [number, number][] = [
    [1, 1],
    [2, 0.35],
    [3, 0.12],
    [4.2, 0.06],
  ];
  const n = Math.floor(seconds * RATE);
  for (let i = 0; i < n && start + i < buf.length; i++) {
    const t = i / RATE;
    const env = Math.min(1, t / 0.006) * Math.exp(-t * 4.5);
    let v = 0;
    for (const [mult, amp] of partials) v += amp * Math.sin(2 * Math.PI * freq * mult * t) * Math.exp(-t * mult);
    buf[start + i]! += level * env * v;
  }
}

/** A tone with soft edges and a few odd harmonics: easy to hear across a lobby, not harsh. */
function tone(buf: Float32Array, start: number, freq: number, seconds: number): void {
  const n = Math.floor(seconds * RATE);
  const edge = 0.015 * RATE;
  for (let i = 0; i < n && start + i < buf.length; i++) {
    const t = i / RATE;
    const env = Math.min(1, i / edge, (n - i) / edge);
    const v = Math.sin(2 * Math.PI * freq * t) + 0.3 * Math.sin(6 * Math.PI * freq * t) + 0.12 * Math.sin(10 * Math.PI * freq * t);
    buf[start + i]! += env * v;
  }
}

const chime = new Float32Array(Math.floor(1.4 * RATE));
bell(chime, 0, 659.25, 1.4, 0.8); // E5
bell(chime, Math.floor(0.14 * RATE), 987.77, 1.2, 0.7); // B5

const alert = new Float32Array(Math.floor(1.5 * RATE));
for (let k = 0; k < 3; k++) {
  const at = Math.floor(k * 0.5 * RATE);
  tone(alert, at, 880, 0.2);
  tone(alert, at + Math.floor(0.22 * RATE), 660, 0.2);
}

mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'chime.wav'), encodeWav({ rate: RATE, samples: chime }));
writeFileSync(join(out, 'alert.wav'), encodeWav({ rate: RATE, samples: alert }));
console.log(`wrote ${join(out, 'chime.wav')} and alert.wav`);

// Synthesises the kiosk's two sounds into assets/sounds as 16-bit mono WAV:
//  chime.wav - a soft rising two-note bell for "thank you, you're wearing a mask";
//  alert.wav - a clear, not shrill, three-pulse two-tone for "please put on a mask".
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RATE = 44_100;
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'sounds');

function wav(samples: Float32Array): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  let peak = 0;
  for (const s of samples) peak = Math.max(peak, Math.abs(s));
  const gain = peak > 0 ? 0.8 / peak : 1;
  samples.forEach((s, i) => {
    data.writeInt16LE(Math.round(s * gain * 32767), i * 2);
  });
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

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
writeFileSync(join(out, 'chime.wav'), wav(chime));
writeFileSync(join(out, 'alert.wav'), wav(alert));
console.log(`wrote ${join(out, 'chime.wav')} and alert.wav`);

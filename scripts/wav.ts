// 16-bit mono PCM WAV files: what the kiosk's tones and spoken prompts are stored as.

export interface Pcm {
  rate: number;
  /** Samples in -1..1. */
  samples: Float32Array;
}

/** The loudest sample's magnitude. */
export function peakOf(samples: Float32Array): number {
  let max = 0;
  for (const s of samples) max = Math.max(max, Math.abs(s));
  return max;
}

/** Loudness of the voiced part: the RMS of 20 ms windows above a quiet floor (0.02 of full scale). */
export function speechRms({ rate, samples }: Pcm): number {
  const win = Math.round(rate * 0.02);
  let sum = 0;
  let n = 0;
  for (let i = 0; i + win <= samples.length; i += win) {
    let e = 0;
    for (let j = i; j < i + win; j++) e += samples[j]! * samples[j]!;
    const r = Math.sqrt(e / win);
    if (r > 0.02) {
      sum += r * r;
      n++;
    }
  }
  return n ? Math.sqrt(sum / n) : 0;
}

/** Writes samples as 16-bit mono PCM, scaled so the loudest sample sits at `peak` of full scale. */
export function encodeWav({ rate, samples }: Pcm, peak = 0.8): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  const max = peakOf(samples);
  const gain = max > 0 ? peak / max : 1;
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
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Reads a 16-bit mono PCM WAV, walking its chunks (espeak-ng and others add their own). */
export function decodeWav(file: Buffer): Pcm {
  if (file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  let at = 12;
  let rate = 0;
  while (at + 8 <= file.length) {
    const id = file.toString('ascii', at, at + 4);
    let size = file.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      const format = file.readUInt16LE(body);
      const channels = file.readUInt16LE(body + 2);
      const bits = file.readUInt16LE(body + 14);
      if (format !== 1 || channels !== 1 || bits !== 16)
        throw new Error(`not 16-bit mono PCM (format ${format}, ${channels} channels, ${bits} bits)`);
      rate = file.readUInt32LE(body + 4);
    } else if (id === 'data') {
      if (!rate) throw new Error('data before format');
      // Streaming writers leave the size unset (0 or all ones): take the rest of the file.
      if (size === 0 || size === 0xffffffff || body + size > file.length) size = file.length - body;
      const samples = new Float32Array(Math.floor(size / 2));
      for (let i = 0; i < samples.length; i++) samples[i] = file.readInt16LE(body + i * 2) / 32768;
      return { rate, samples };
    }
    at = body + size + (size % 2);
  }
  throw new Error('no data chunk');
}

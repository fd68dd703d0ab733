// Snapshots of violations, private by default: only ever the face crop, never the whole frame,
// and in the default `blurred` mode pixelated and blurred so that no one can be recognised.
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { SnapshotMode } from '../../shared/settings';
import { writeFileAtomic } from '../config/atomic-write';
import { cropSquare, squareAround } from '../vision/crop';
import type { Box } from '../vision/detector';
import type { RawImage } from '../vision/image';

const SIZE = 128;

/** JPEG bytes of the face in `box`, treated as `mode` asks; null for `none`. */
export async function makeSnapshot(frame: RawImage, box: Box, mode: SnapshotMode): Promise<Buffer | null> {
  if (mode === 'none') return null;
  const crop = await cropSquare(frame, squareAround(box, 0.3), SIZE);
  const image = sharp(crop, { raw: { width: SIZE, height: SIZE, channels: 3 } });
  if (mode === 'face') return image.jpeg({ quality: 80 }).toBuffer();
  // 8x8 blocks keep the colour of a mask or of skin, which is all a reviewer needs, and no identity.
  const tiny = await image.resize(8, 8, { kernel: 'linear' }).raw().toBuffer();
  return sharp(tiny, { raw: { width: 8, height: 8, channels: 3 } })
    .resize(SIZE, SIZE, { kernel: 'linear' })
    .blur(2)
    .jpeg({ quality: 70 })
    .toBuffer();
}

export function snapshotName(at: number): string {
  return `${new Date(at).toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.jpg`;
}

/** Written to a temporary name and renamed, so a half-written file never carries the real name. */
export function writeSnapshot(dir: string, name: string, bytes: Uint8Array): void {
  writeFileAtomic(join(dir, name), bytes);
}

export function removeSnapshots(dir: string, names: readonly string[]): void {
  for (const name of names) {
    if (/^[\w.-]+\.jpg$/.test(name)) rmSync(join(dir, name), { force: true });
  }
}

/** Bytes of the snapshot files the log references (a stray file must not push real events out). */
export function snapshotsBytes(dir: string, referenced: ReadonlySet<string>): number {
  let total = 0;
  for (const name of referenced) {
    try {
      total += statSync(join(dir, name)).size;
    } catch {
      // already gone
    }
  }
  return total;
}

/** Deletes files in the snapshot folder that no row references (a crash between file and row); returns how many. */
export function sweepOrphanSnapshots(store: { referencedSnapshots(): Set<string> }, dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  const referenced = store.referencedSnapshots();
  let removed = 0;
  for (const name of names) {
    if (referenced.has(name)) continue;
    rmSync(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

// Builds camera clips for Chromium's fake camera from real test images: each scene is a still
// portrait (or nobody) in front of a lobby-like backdrop. Clips go to test/.cache (git-ignored).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import { SCRATCH_DIR } from './paths';

export interface Scene {
  /** A portrait image, or null for an empty lobby. */
  image: string | null;
  seconds: number;
  /** Where the portrait's top edge sits in the frame, px (below the frame's bottom, it is cut off); centred when not given. */
  top?: number;
  /** A second person farther away: a portrait `height` px tall with its top left corner at `left`, `top`. */
  companion?: { image: string; height: number; left: number; top: number };
}

const WIDTH = 640;
const HEIGHT = 480;

const BACKDROP = Buffer.from(
  `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">
    <defs><linearGradient id="wall" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#c9c2b6"/><stop offset="1" stop-color="#a9a294"/></linearGradient></defs>
    <rect width="${WIDTH}" height="${HEIGHT}" fill="url(#wall)"/>
    <rect x="40" y="60" width="120" height="260" fill="#7d6a55"/>
    <rect y="380" width="${WIDTH}" height="100" fill="#6d6a66"/>
  </svg>`,
);

async function sceneFrame(scene: Scene, out: string): Promise<void> {
  const layers: OverlayOptions[] = [];
  if (scene.companion) {
    const { image, height, left, top } = scene.companion;
    layers.push({ input: await sharp(image).resize({ height }).flatten({ background: '#ffffff' }).png().toBuffer(), left, top });
  }
  if (scene.image) {
    const portrait = await sharp(scene.image)
      .resize({ height: 320, width: 300, fit: 'inside' })
      .flatten({ background: '#ffffff' })
      .png()
      .toBuffer({ resolveWithObject: true });
    const top = scene.top ?? Math.round((HEIGHT - portrait.info.height) / 2);
    // sharp composites only what fits, so a portrait reaching past the bottom is cut to the frame first.
    const visible = Math.min(portrait.info.height, HEIGHT - top);
    const input =
      visible < portrait.info.height
        ? await sharp(portrait.data).extract({ left: 0, top: 0, width: portrait.info.width, height: visible }).toBuffer()
        : portrait.data;
    layers.push({ input, left: Math.round((WIDTH - portrait.info.width) / 2), top });
  }
  await sharp(BACKDROP).composite(layers).removeAlpha().png().toFile(out);
}

/** Writes (or reuses) a y4m clip at 15 fps and returns its path. */
export async function makeClip(scenes: Scene[], fps = 15): Promise<string> {
  // The key covers each image's size and time too, so a changed file never reuses an old clip.
  const stamp = scenes.map((sc) => (sc.image ? `${statSync(sc.image).size}:${statSync(sc.image).mtimeMs}` : ''));
  const key = createHash('sha256')
    .update(JSON.stringify({ scenes, stamp, fps, v: 1 }))
    .digest('hex')
    .slice(0, 16);
  const dir = join(SCRATCH_DIR, 'clips');
  const clip = join(dir, `clip-${key}.y4m`);
  if (existsSync(clip)) return clip;
  mkdirSync(dir, { recursive: true });
  const inputs: string[] = [];
  const pngs: string[] = [];
  for (const [i, scene] of scenes.entries()) {
    const png = join(dir, `scene-${key}-${process.pid}-${i}.png`);
    await sceneFrame(scene, png);
    pngs.push(png);
    inputs.push('-loop', '1', '-framerate', String(fps), '-t', String(scene.seconds), '-i', png);
  }
  const filter = `${scenes.map((_, i) => `[${i}:v]`).join('')}concat=n=${scenes.length}:v=1:a=0,format=yuv420p`;
  // Written aside and renamed into place, so a test file running beside this one never reads half a clip.
  const partial = join(dir, `clip-${key}.${process.pid}.y4m`);
  const r = spawnSync('ffmpeg', ['-y', '-loglevel', 'error', ...inputs, '-filter_complex', filter, '-r', String(fps), partial], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`ffmpeg failed (apt-get install ffmpeg): ${r.stderr || r.error?.message}`);
  renameSync(partial, clip);
  for (const png of pngs) rmSync(png, { force: true });
  return clip;
}

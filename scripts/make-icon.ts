// Renders the app icon (assets/icon.svg) to build/icon.png, where electron-builder looks for it
// (the Linux desktop entry and .deb, and the Windows installer, which converts it to .ico).
// npm run dist runs this first; build/ is generated, not committed.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { REPO_ROOT } from '../src/cli/model-paths';

export async function makeIcon(outDir = join(REPO_ROOT, 'build')): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, 'icon.png');
  await sharp(join(REPO_ROOT, 'assets', 'icon.svg'), { density: 144 })
    .resize(512, 512)
    .png()
    .toFile(out);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await makeIcon());

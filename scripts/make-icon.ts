// Renders the app icon (assets/icon.svg) to build/icon.png and build/icon.ico, where
// electron-builder looks for them (the Linux desktop entry and .deb; the Windows executable and
// installer). Writing the .ico here spares electron-builder converting the PNG with a tool it
// would download from GitHub. npm run dist runs this first; build/ is generated, not committed.
import { mkdirSync, writeFileSync } from 'node:fs';
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
  writeFileSync(join(outDir, 'icon.ico'), await icoFrom(join(REPO_ROOT, 'assets', 'icon.svg')));
  return out;
}

/** A Windows icon holding PNG images at the sizes Windows asks for (PNG entries: Windows Vista and later). */
async function icoFrom(svg: string): Promise<Buffer> {
  const sizes = [16, 24, 32, 48, 64, 128, 256];
  const images = await Promise.all(sizes.map((size) => sharp(svg, { density: 144 }).resize(size, size).png().toBuffer()));
  const header = Buffer.alloc(6 + 16 * sizes.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1: icon
  header.writeUInt16LE(sizes.length, 4);
  let offset = header.length;
  sizes.forEach((size, i) => {
    const entry = 6 + 16 * i;
    header.writeUInt8(size === 256 ? 0 : size, entry); // 0 stands for 256
    header.writeUInt8(size === 256 ? 0 : size, entry + 1);
    header.writeUInt16LE(1, entry + 4); // colour planes
    header.writeUInt16LE(32, entry + 6); // bits per pixel
    header.writeUInt32LE(images[i]!.length, entry + 8);
    header.writeUInt32LE(offset, entry + 12);
    offset += images[i]!.length;
  });
  return Buffer.concat([header, ...images]);
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await makeIcon());

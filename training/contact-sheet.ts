// Makes a contact sheet of the images an evaluation got wrong (or found no face in), each with its
// file name, truth and prediction, from the JSON lines of `npm run scan -- --eval DIR --json`.
// Usage: tsx training/contact-sheet.ts <eval.jsonl> <data folder> <out.png>
// The sheet shows data-set images: it stays in training/.cache and is never committed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';

const [evalFile, dataDir, out] = process.argv.slice(2);
if (!evalFile || !dataDir || !out) {
  console.error('usage: tsx training/contact-sheet.ts <eval.jsonl> <data folder> <out.png>');
  process.exit(2);
}
const want: Record<string, string> = { with_mask: 'mask', without_mask: 'no_mask', incorrect: 'incorrect' };
const rows = readFileSync(evalFile, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>)
  .filter((r) => typeof r.expected === 'string' && r.predicted !== want[r.expected as string]);
const TILE = 200;
const COLS = 6;
const esc = (s: string): string => s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
const tiles: OverlayOptions[] = [];
for (const [i, r] of rows.entries()) {
  const img = await sharp(join(dataDir, String(r.file)))
    .resize(TILE, TILE - 40, { fit: 'contain', background: '#222' })
    .png()
    .toBuffer();
  const caption =
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${TILE}" height="40"><rect width="100%" height="100%" fill="#111"/>
    <text x="4" y="16" font-size="13" fill="#fff" font-family="sans-serif">${esc(String(r.file))}</text>
    <text x="4" y="34" font-size="13" fill="#f88" font-family="sans-serif">${esc(`${r.expected} → ${r.predicted}${r.confidence !== undefined ? ` ${Number(r.confidence).toFixed(2)}` : ''}`)}</text></svg>`);
  const x = (i % COLS) * TILE;
  const y = Math.floor(i / COLS) * TILE;
  tiles.push({ input: img, left: x, top: y }, { input: caption, left: x, top: y + TILE - 40 });
}
const height = Math.max(1, Math.ceil(rows.length / COLS)) * TILE;
await sharp({ create: { width: COLS * TILE, height, channels: 3, background: '#000' } })
  .composite(tiles)
  .png()
  .toFile(out);
console.log(`${rows.length} images on ${out}`);

// Cuts the nose check's training patches out of exported face crops (`npm run export-crops`),
// through the kiosk's own patch code (src/main/vision/nose-patch.ts), so training sees what the
// kiosk will. A mask covers the nose: with_mask is "covered"; without_mask and every photo that
// label corrections call a mask worn below the nose are "uncovered".
// Usage: tsx training/nose-patches.ts <crops folder> <out folder> <split[:jitters]>... [--corrections CSV] [--side S --above A]
//   e.g. tsx training/nose-patches.ts training/.cache/crops training/.cache/nose train:8 london:8 val
// Writes <out>/<split>.u8 (N x 32 x 32 x 3 RGB), <out>/<split>.jsonl (one line per patch) and
// <out>/patch.json, the geometry the patches were cut with (nose_check.py writes it into the check's
// config.json, where the kiosk reads it); the geometry defaults to NOSE_PATCH_GEOMETRY.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { parseCommandLine, runTool, UsageError } from '../src/cli/command-line';
import { readLabelCorrections } from '../src/cli/label-corrections';
import { seededRandom } from '../src/cli/seeded-random';
import type { KeypointName } from '../src/main/vision/blazeface-decode';
import type { Point } from '../src/main/vision/detector';
import { NOSE_PATCH_SIZE } from '../src/main/vision/nose-check';
import {
  NOSE_PATCH_GEOMETRY,
  NosePatchGeometrySchema,
  type PatchPlacement,
  placeNosePatch,
  samplePatch,
} from '../src/main/vision/nose-patch';
import { firstIssue } from '../src/shared/zod-issue';

const USAGE =
  'Usage: tsx training/nose-patches.ts <crops folder> <out folder> <split[:jitters]>... [--corrections CSV] [--side S] [--above A]';
const {
  cropsDir,
  outDir,
  splits,
  corrections: correctionsFile,
  geometry,
} = parseCommandLine(
  'nose-patches',
  USAGE,
  {
    allowPositionals: true,
    options: {
      corrections: { type: 'string', default: 'training/label-corrections-v2.csv' },
      side: { type: 'string', default: String(NOSE_PATCH_GEOMETRY.side) },
      above: { type: 'string', default: String(NOSE_PATCH_GEOMETRY.above) },
    },
  },
  ({ values, positionals }) => {
    const [cropsDir, outDir, ...splits] = positionals;
    if (!cropsDir || !outDir || splits.length === 0) throw new UsageError('give a crops folder, an out folder and at least one split');
    // Checked as the kiosk will check the check's config.json, so training never writes a geometry the kiosk refuses.
    const geometry = NosePatchGeometrySchema.safeParse({ side: Number(values.side), above: Number(values.above) });
    if (!geometry.success) throw new UsageError(`--side / --above: ${firstIssue(geometry.error, 'geometry')}`);
    // Each split's crop list and jitter count, read once: checked here, cut below.
    const lists = splits.map((spec) => {
      const [split, jitterText] = spec.split(':') as [string, string | undefined];
      const jitters = Number(jitterText ?? 0);
      // A count that is not one would cut no patch at all, not even the unjittered one.
      if (!Number.isSafeInteger(jitters) || jitters < 0)
        throw new UsageError(`${spec}: the count after ':' must be a whole number from 0 up (jittered copies of each patch)`);
      const list = join(cropsDir, `${split}.jsonl`);
      if (!existsSync(list)) throw new UsageError(`${list}: no such file (npm run export-crops writes one per split)`);
      return { split, list, jitters };
    });
    return { cropsDir, outDir, splits: lists, corrections: values.corrections, geometry: geometry.data };
  },
);

/** The kiosk's keypoints are a few pixels off from frame to frame: train on the same wobble. */
function jitter(p: PatchPlacement, rand: () => number): PatchPlacement {
  const n = (s: number): number => (rand() * 2 - 1) * s;
  return { cx: p.cx + n(0.12) * p.side, cy: p.cy + n(0.12) * p.side, side: p.side * (1 + n(0.15)), angle: p.angle + n(0.2) };
}

interface CropRecord {
  label: string;
  source: string;
  face: boolean;
  crop: string;
  keypoints: Record<KeypointName, [number, number]>;
}

await runTool('nose-patches', USAGE, async () => {
  const corrections = readLabelCorrections(correctionsFile);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'patch.json'), `${JSON.stringify(geometry)}\n`);
  const size = NOSE_PATCH_SIZE;
  for (const { split, list, jitters } of splits) {
    const rand = seededRandom(0x5eed + split.length);
    const records = readFileSync(list, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as CropRecord)
      .filter((r) => r.face);
    const patches: Uint8Array[] = [];
    const lines: string[] = [];
    let uncoveredMasks = 0;
    for (const r of records) {
      const { data, info } = await sharp(join(cropsDir, r.crop)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const image = { data, width: info.width, height: info.height, channels: 3 as const };
      const kp = Object.fromEntries(
        Object.entries(r.keypoints).map(([k, [x, y]]) => [k, { x: x * info.width, y: y * info.height }]),
      ) as Record<KeypointName, Point>;
      const key = r.source.split('facemask-v1/')[1] ?? '';
      const corrected = corrections.get(key);
      const covered = r.label === 'with_mask' && (corrected ?? 'with_mask') === 'with_mask';
      if (r.label === 'with_mask' && !covered) uncoveredMasks++;
      const base = placeNosePatch(kp, geometry);
      for (let j = 0; j <= jitters; j++) {
        patches.push(samplePatch(image, j === 0 ? base : jitter(base, rand), size));
        lines.push(JSON.stringify({ source: r.source, label: r.label, covered, jitter: j }));
      }
    }
    const all = new Uint8Array(patches.length * size * size * 3);
    for (const [i, p] of patches.entries()) all.set(p, i * size * size * 3);
    writeFileSync(join(outDir, `${split}.u8`), all);
    writeFileSync(join(outDir, `${split}.jsonl`), `${lines.join('\n')}\n`);
    console.log(`${split}: ${records.length} faces, ${patches.length} patches (${uncoveredMasks} masks below the nose by correction)`);
  }
});

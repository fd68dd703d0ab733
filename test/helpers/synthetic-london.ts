// The synthetic three-verdict test set (training/make_synthetic_test.py): london-faces-v1 people
// the default model never trained on, bare, with a mask drawn on right, and worn wrong. Built on
// first use into test/.cache (derived from the shared photos, so never committed), and rebuilt
// when the drawing or split code changes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { findPython } from '../../src/cli/python';
import type { ScannedImage } from './evaluate';
import { REPO_ROOT, SCRATCH_DIR, sharedDataSet } from './paths';

const SYNTH_ROOT = join(SCRATCH_DIR, 'london-synth');
const SOURCES = ['training/synth.py', 'training/london_split.py', 'training/make_synthetic_test.py', 'src/cli/export-crops.ts'];

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
}

/** The folder holding with_mask/, without_mask/ and incorrect/, ready for `scan --eval`. */
export function syntheticLondonSet(): string {
  const data = sharedDataSet('london-faces-v1');
  const hash = createHash('sha256');
  for (const f of SOURCES) hash.update(readFileSync(join(REPO_ROOT, f)));
  hash.update(readFileSync(join(data, 'manifest.csv')));
  const key = hash.digest('hex').slice(0, 16);
  const root = SYNTH_ROOT;
  const out = join(root, 'set');
  const stamp = join(root, 'key');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return out;
  rmSync(root, { recursive: true, force: true });
  const crops = join(root, 'crops');
  run(process.execPath, [
    '--import',
    'tsx',
    'src/cli/export-crops.ts',
    '--data',
    data,
    '--out',
    crops,
    '--flat',
    'london',
    '--size',
    '384',
  ]);
  run(findPython(['numpy', 'PIL']), ['training/make_synthetic_test.py', '--crops', crops, '--data', data, '--out', out]);
  writeFileSync(stamp, key);
  return out;
}

/**
 * The synthetic set at `exposure` times its studio light (under 1 a dim lobby, with a camera's
 * gain noise; over 1 sun on the face, clipped as a camera clips it; training/darken.py), into
 * test/.cache; made once per version of the set and the script.
 */
export function relitLondonSet(exposure: number): string {
  const set = syntheticLondonSet();
  const key = `${readFileSync(join(SYNTH_ROOT, 'key'), 'utf8')} ${createHash('sha256')
    .update(readFileSync(join(REPO_ROOT, 'training/darken.py')))
    .digest('hex')
    .slice(0, 16)}`;
  const root = join(SCRATCH_DIR, 'london-relit');
  const out = join(root, `f${exposure}`);
  const stamp = join(out, 'key');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return out;
  rmSync(out, { recursive: true, force: true });
  run(findPython(['numpy', 'PIL']), ['training/darken.py', set, root, '--exposures', String(exposure)]);
  writeFileSync(stamp, key);
  return out;
}

/** The groups london-faces-v1 publishes a person under; the Canadian set publishes none (white, f or m in the file name). */
export interface LondonGroups {
  ethnicity: string;
  gender: string;
}

/** Each synthetic image's person's groups, by the image's file name (worn-wrong images carry a suffix). */
function londonGroupsOf(): (file: string) => LondonGroups {
  const lines = readFileSync(join(sharedDataSet('london-faces-v1'), 'manifest.csv'), 'utf8')
    .trim()
    .split(/\r?\n/);
  const columns = lines[0]!.split(',');
  const at = (name: string): number => {
    const i = columns.indexOf(name);
    if (i < 0) throw new Error(`london-faces-v1/manifest.csv has no column ${name}`);
    return i;
  };
  const byFile = new Map<string, LondonGroups>();
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    const person = cells[at('person')]!;
    const canadian = cells[at('set')] === 'canada';
    byFile.set(basename(cells[at('file')]!), {
      ethnicity: canadian ? 'white (Canadian set)' : cells[at('ethnicity')]!,
      gender: canadian ? (person.endsWith('f') ? 'female' : 'male') : cells[at('gender')]!,
    });
  }
  return (file) => {
    const groups = byFile.get(basename(file).replace(/-(below_nose|on_chin|one_ear)(?=\.jpg$)/, ''));
    if (!groups) throw new Error(`${file}: not a london-faces-v1 person`);
    return groups;
  };
}

/** The scanned images of the synthetic set, by their people's group in one dimension. */
export function imagesByGroup(images: readonly ScannedImage[], dimension: keyof LondonGroups): Map<string, ScannedImage[]> {
  const groupsOf = londonGroupsOf();
  const byGroup = new Map<string, ScannedImage[]>();
  for (const image of images) {
    const group = groupsOf(image.file)[dimension];
    byGroup.set(group, [...(byGroup.get(group) ?? []), image]);
  }
  return byGroup;
}

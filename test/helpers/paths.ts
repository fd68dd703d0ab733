// Where tests find the repository's models and the shared data set.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DETECTOR_DIR = join(REPO_ROOT, 'models', 'face-detector');
/** MediaPipe's BlazeFace as published, fetched at install: the base the kiosk's detector was fine-tuned from. */
export const PUBLISHED_DETECTOR_DIR = join(REPO_ROOT, 'models', 'blazeface');
export const CONTRACT_MODEL_DIR = join(REPO_ROOT, 'test', 'fixtures', 'contract-model');
export const SCRATCH_DIR = join(REPO_ROOT, 'test', '.cache');
export const VISION_ENGINE_SOURCE = pathToFileURL(join(REPO_ROOT, 'src', 'main', 'vision', 'engine', 'engine-entry.ts'));

let dataDir: string | null = null;

/**
 * The facemask-v1 data set: beside the checkout (../shared/data) or where FACEMASK_DATA points.
 * Found on first use, so test files that need only the repository load without it.
 */
export function facemaskDataDir(): string {
  if (dataDir) return dataDir;
  const candidates = [process.env.FACEMASK_DATA, join(REPO_ROOT, '..', 'shared', 'data', 'facemask-v1')].filter((p): p is string =>
    Boolean(p),
  );
  const found = candidates.find((p) => existsSync(join(p, 'manifest.csv')));
  if (!found) {
    throw new Error(`The facemask-v1 data set is not at ${candidates.join(' or ')}; set FACEMASK_DATA to its folder.`);
  }
  dataDir = found;
  return found;
}

/** Another set of ../shared/data (ood-eval-v1, london-faces-v1), found beside facemask-v1. */
export function sharedDataSet(name: string): string {
  const dir = join(facemaskDataDir(), '..', name);
  if (!existsSync(join(dir, 'manifest.csv'))) throw new Error(`The ${name} data set is not at ${dir}.`);
  return dir;
}

export interface ManifestRow {
  split: string;
  label: 'with_mask' | 'without_mask';
  file: string;
  path: string;
  width: number;
  height: number;
}

/** The data set's manifest, so tests pick images by split and label and never by guesswork. */
export function manifest(): ManifestRow[] {
  const root = facemaskDataDir();
  const lines = readFileSync(join(root, 'manifest.csv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const [split, label, file, , width, height] = line.split(',');
    return {
      split: split!,
      label: label as ManifestRow['label'],
      file: file!,
      path: join(root, file!),
      width: Number(width),
      height: Number(height),
    };
  });
}

/** Every k-th image of a split and label, for a spread-out sample that is the same on every run. */
export function sample(split: string, label: ManifestRow['label'], count: number): ManifestRow[] {
  const rows = manifest().filter((r) => r.split === split && r.label === label);
  const step = Math.max(1, Math.floor(rows.length / count));
  return rows.filter((_, i) => i % step === 0).slice(0, count);
}

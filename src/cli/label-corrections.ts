// Photos whose published label is wrong (training/label-corrections-v2.csv): the shared images
// stay as published, and evaluations and training read the corrections from the project.
import { readFileSync } from 'node:fs';
import type { EvalClass } from './metrics';

const CLASS_OF: Record<string, EvalClass> = { with_mask: 'with_mask', without_mask: 'without_mask', mask_worn_incorrectly: 'incorrect' };

/** Path inside the data set ("test/with_mask/img00414.jpg") -> the class the photo really shows. */
export function readLabelCorrections(file: string): Map<string, EvalClass> {
  const map = new Map<string, EvalClass>();
  for (const [n, line] of readFileSync(file, 'utf8').split('\n').entries()) {
    if (!line.trim() || line.startsWith('#') || line.startsWith('file,')) continue;
    const [path, , corrected] = line.split(',');
    const cls = corrected ? CLASS_OF[corrected.trim()] : undefined;
    if (!path || !cls) throw new Error(`${file}:${n + 1}: expected "file,label_as_published,corrected_label,source" with a known label`);
    map.set(path.trim(), cls);
  }
  return map;
}

// The project's label corrections name real photos of the shared sets, each under the label it was
// published with, and move it to another class: a stale path or a no-op row would silently skew
// every corrected figure.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLabelCorrections } from '../../../src/cli/label-corrections';
import { facemaskDataDir, REPO_ROOT, sharedDataSet } from '../../helpers/paths';

const FOLDER_CLASS: Record<string, string> = { with_mask: 'with_mask', without_mask: 'without_mask' };

describe.each([
  { file: 'label-corrections-v2.csv', root: () => facemaskDataDir(), prefix: '' },
  { file: 'ood-eval-label-corrections-v1.csv', root: () => join(sharedDataSet('ood-eval-v1'), '..'), prefix: 'ood-eval-v1/' },
])('training/$file', ({ file, root, prefix }) => {
  it('lists existing photos, each moved away from the class of the folder it was published in', () => {
    const corrections = readLabelCorrections(join(REPO_ROOT, 'training', file));
    expect(corrections.size).toBeGreaterThan(0);
    for (const [path, corrected] of corrections) {
      expect(path.startsWith(prefix), path).toBe(true);
      expect(existsSync(join(root(), path)), path).toBe(true);
      const folder = path.split('/').at(-2)!;
      expect(FOLDER_CLASS[folder], path).toBeDefined();
      expect(corrected, path).not.toBe(FOLDER_CLASS[folder]);
    }
  });
});

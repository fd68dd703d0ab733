// The shipped kiosk (face detector, default classifier, nose check, tracker) deciding on faces
// walked up to the camera: what a person in front of it is told, and how soon. Its own file so it
// runs beside the other model tests: it is the suite's longest.

import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLabelCorrections } from '../../../src/cli/label-corrections';
import { evaluateSet } from '../../helpers/evaluate';
import { facemaskDataDir, REPO_ROOT, sharedDataSet } from '../../helpers/paths';

/** Every `n`th photo of a folder, in name order. */
const everyNth = (dir: string, n: number): string[] =>
  readdirSync(dir)
    .sort()
    .filter((_, i) => i % n === 0);

/** Links the named photos of each label folder of `source` into the same label folders under `root`. */
function linkSubset(root: string, source: string, photos: Record<string, readonly string[]>): void {
  for (const [label, names] of Object.entries(photos)) {
    mkdirSync(join(root, label), { recursive: true });
    for (const f of names) symlinkSync(join(source, label, f), join(root, label, f));
  }
}

describe('the kiosk on visits (models/face-detector, facemask-default, nose-check)', () => {
  it('decides ood-eval-v1 visits of 2 s: most masks thanked at once, few bare faces, none left checking', () => {
    // Every 8th masked and every 2nd bare face (78 and 61), each walked up to the kiosk for 2 s,
    // the photo's own (centre) face judged. Measured: masks thanked 92.3 % (72), refused 2, asked
    // something 3, undecided 1 (with nose check 1.2.0: 71, and one told to pull up); bare faces
    // thanked 4.9 % (3: a mask labelled bare, a lower face the head in front hides, a face the
    // crop's edge cuts in half), undecided 1.6 %; first verdict after 0.33 s. The bars (masks
    // 95 %, bare 1 %) are not met: MODEL_CARD.md says so; these floors, one face from what is
    // measured, keep it from getting worse.
    const subset = mkdtempSync(join(tmpdir(), 'ood-visits-'));
    try {
      const ood = sharedDataSet('ood-eval-v1');
      linkSubset(subset, ood, { with_mask: everyNth(join(ood, 'with_mask'), 8), without_mask: everyNth(join(ood, 'without_mask'), 2) });
      const r = evaluateSet(subset, 'ood-eval-v1 visits (every 8th masked, every 2nd bare)', ['--visits']);
      const masked = r.visits!.with_mask!;
      const bare = r.visits!.without_mask!;
      expect([masked.n, bare.n]).toEqual([78, 61]);
      expect(masked.shares.pass).toBeGreaterThanOrEqual(71 / 78);
      expect(masked.shares.undecided).toBeLessThanOrEqual(0.03);
      expect(bare.shares.pass).toBeLessThanOrEqual(4 / 61);
      expect(bare.shares.undecided).toBeLessThanOrEqual(0.03);
      expect(masked.medianMsToVerdict).toBeLessThanOrEqual(800);
    } finally {
      rmSync(subset, { recursive: true, force: true });
    }
  }, 600_000);

  it("tells the test split's real masks below the nose to pull up when they walk up", () => {
    // The nine photos of facemask-v1/test published as with_mask that show a mask below the nose
    // (training/label-corrections-v2.csv), and every 10th bare face, walked up under their own
    // names (the visit's camera draw follows the name, so they meet the same camera as in the full
    // split). Measured: all 9 told to pull up, none thanked. Nose check 1.2.0, whose patch ended
    // just under the nose tip, told 6 and thanked 3 (img00504, img00514 and img00841: in camera
    // frames BlazeFace puts their nose tip high, and that patch showed only the bridge).
    const corrections = join(REPO_ROOT, 'training', 'label-corrections-v2.csv');
    const below = [...readLabelCorrections(corrections)]
      .filter(([path, cls]) => path.startsWith('test/with_mask/') && cls === 'incorrect')
      .map(([path]) => path.slice('test/with_mask/'.length));
    const root = mkdtempSync(join(tmpdir(), 'below-nose-visits-'));
    const subset = join(root, 'test');
    try {
      const test = join(facemaskDataDir(), 'test');
      linkSubset(subset, test, { with_mask: below, without_mask: everyNth(join(test, 'without_mask'), 10) });
      const r = evaluateSet(subset, 'facemask-v1/test visits, real masks below the nose', ['--visits', '--corrections', corrections]);
      const wrong = r.visits!.incorrect!;
      expect(wrong.n).toBe(9);
      expect(wrong.shares.pull_up).toBeGreaterThanOrEqual(8 / 9);
      expect(wrong.shares.pass).toBeLessThanOrEqual(1 / 9);
      expect(r.visits!.without_mask!.shares.pass).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 600_000);
});

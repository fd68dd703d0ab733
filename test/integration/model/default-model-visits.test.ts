// The shipped kiosk (face detector, default classifier, nose check, tracker) deciding on ood-eval-v1
// faces walked up to the camera: what a person in front of it is told, and how soon. Its own file so
// it runs beside the other model tests: it is the suite's longest.

import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSet } from '../../helpers/evaluate';
import { sharedDataSet } from '../../helpers/paths';

describe('the kiosk on ood-eval-v1 visits (models/face-detector, facemask-default, nose-check)', () => {
  it('decides in 2 s visits: most masks thanked at once, few bare faces, none left checking', () => {
    // Every 8th masked and every 2nd bare face (78 and 61), each walked up to the kiosk for 2 s,
    // the photo's own (centre) face judged. Measured: masks thanked 91.0 % (71), refused 2, told
    // to pull up 1, asked something 3, undecided 1; bare faces thanked 4.9 % (3: a mask labelled
    // bare, a lower face the head in front hides, a face the crop's edge cuts in half), undecided
    // 1.6 %; first verdict after 0.33 s. The bars (masks 95 %, bare 1 %) are not met: MODEL_CARD.md
    // says so; these floors, one face from what is measured, keep it from getting worse.
    const subset = mkdtempSync(join(tmpdir(), 'ood-visits-'));
    try {
      const ood = sharedDataSet('ood-eval-v1');
      for (const [label, every] of [
        ['with_mask', 8],
        ['without_mask', 2],
      ] as const) {
        mkdirSync(join(subset, label));
        const files = readdirSync(join(ood, label))
          .sort()
          .filter((_, i) => i % every === 0);
        for (const f of files) symlinkSync(join(ood, label, f), join(subset, label, f));
      }
      const r = evaluateSet(subset, 'ood-eval-v1 visits (every 8th masked, every 2nd bare)', ['--visits']);
      const masked = r.visits!.with_mask!;
      const bare = r.visits!.without_mask!;
      expect([masked.n, bare.n]).toEqual([78, 61]);
      expect(masked.shares.pass).toBeGreaterThanOrEqual(70 / 78);
      expect(masked.shares.undecided).toBeLessThanOrEqual(0.03);
      expect(bare.shares.pass).toBeLessThanOrEqual(4 / 61);
      expect(bare.shares.undecided).toBeLessThanOrEqual(0.03);
      expect(masked.medianMsToVerdict).toBeLessThanOrEqual(800);
    } finally {
      rmSync(subset, { recursive: true, force: true });
    }
  }, 600_000);
});

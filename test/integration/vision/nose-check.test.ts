// The shipped nose check (models/nose-check) behind the shipped classifier, on the facemask-v1
// test split: real masks worn below the nose, found by eye and listed in
// training/label-corrections-v2.csv, against the split's masks worn right. Neither was trained on.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observationOf } from '../../../src/main/compliance/frame-handler';
import { decodeImage } from '../../../src/main/vision/image';
import { NoseCheck } from '../../../src/main/vision/nose-check';
import { type FaceResult, VisionPipeline } from '../../../src/main/vision/pipeline';
import { DETECTOR_DIR, facemaskDataDir, manifest, REPO_ROOT } from '../../helpers/paths';

const CLASSIFIER = join(REPO_ROOT, 'models', 'facemask-default');
const NOSE_CHECK = join(REPO_ROOT, 'models', 'nose-check');

/** Test-split photos published as with_mask whose mask sits below the nose. */
function belowTheNose(): Set<string> {
  const lines = readFileSync(join(REPO_ROOT, 'training', 'label-corrections-v2.csv'), 'utf8').split('\n');
  return new Set(
    lines
      .filter((l) => l.startsWith('test/') && l.split(',')[2] === 'mask_worn_incorrectly')
      .map((l) => join(facemaskDataDir(), l.split(',')[0]!)),
  );
}

let alone: VisionPipeline;
let checked: VisionPipeline;

beforeAll(async () => {
  alone = await VisionPipeline.load({ detectorFolder: DETECTOR_DIR, classifierFolder: CLASSIFIER });
  checked = await VisionPipeline.load({ detectorFolder: DETECTOR_DIR, classifierFolder: CLASSIFIER, noseCheckFolder: NOSE_CHECK });
});

afterAll(async () => {
  await Promise.all([alone?.dispose(), checked?.dispose()]);
});

async function verdicts(pipeline: VisionPipeline, files: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) out.push((await pipeline.analyzeImage(file)).faces[0]?.verdict ?? 'no_face');
  return out;
}

const count = (verdicts: readonly string[], v: string): number => verdicts.filter((x) => x === v).length;

describe('the nose check behind the default classifier', () => {
  it('loads with its version and threshold, and says so in the model id', async () => {
    const check = await NoseCheck.load(NOSE_CHECK);
    expect(check.config.model_version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(check.config.threshold).toBeGreaterThanOrEqual(0.5);
    expect(check.config.doubt_at).toBeDefined();
    await check.dispose();
    expect(checked.modelId).toBe(`${alone.modelId} + nose check ${check.config.model_version}`);
  });

  it("hands every reading to the tracker with the check's own line for holding a thank-you", async () => {
    const check = await NoseCheck.load(NOSE_CHECK);
    await check.dispose();
    // The check looks at the faces the classifier calls a mask: most of these.
    let file = '';
    let face: FaceResult | undefined;
    for (file of belowTheNose()) {
      face = (await checked.analyzeImage(file)).faces[0];
      if (face?.noseUncovered != null) break;
    }
    if (!face) throw new Error('no face found in the masks below the nose');
    expect(face.noseUncovered).not.toBeNull();
    expect(face.noseDoubtAt).toBe(check.config.doubt_at);
    expect(observationOf(face)).toMatchObject({ noseUncovered: face.noseUncovered, noseDoubtAt: check.config.doubt_at });
    expect((await alone.analyzeImage(file)).faces[0]).toMatchObject({ noseUncovered: null, noseDoubtAt: null });
  });

  it('refuses a folder without its model or with a bad configuration, and says which file', async () => {
    const d = mkdtempSync(join(tmpdir(), 'nose-check-'));
    try {
      await expect(NoseCheck.load(d)).rejects.toThrow(/a nose check folder needs model\.onnx and config\.json/);
      copyFileSync(join(NOSE_CHECK, 'model.onnx'), join(d, 'model.onnx'));
      // A check that does not say where its patch lies cannot be run: the kiosk would cut another one.
      writeFileSync(join(d, 'config.json'), '{"model_version": "1.0.0", "threshold": 0.9}');
      await expect(NoseCheck.load(d)).rejects.toThrow(/config\.json: patch: missing: the patch the check was trained on/);
      writeFileSync(join(d, 'config.json'), '{"model_version": "1.0.0", "patch": {"side": 0.8, "above": 0.1}, "threshold": 2}');
      await expect(NoseCheck.load(d)).rejects.toThrow(/config\.json: threshold: .*1/);
      writeFileSync(
        join(d, 'config.json'),
        '{"model_version": "1.0.0", "patch": {"side": 0.8, "above": 0.1}, "threshold": 0.9, "doubt_at": 1.5}',
      );
      await expect(NoseCheck.load(d)).rejects.toThrow(/config\.json: doubt_at: .*1/);
      // A check that names no doubt line holds a thank-you only at its own threshold.
      writeFileSync(join(d, 'config.json'), '{"model_version": "1.0.0", "patch": {"side": 0.8, "above": 0.1}, "threshold": 0.9}');
      const plain = await NoseCheck.load(d);
      expect(plain.doubtAt).toBe(0.9);
      await plain.dispose();
      writeFileSync(join(d, 'config.json'), '{"model_version": ');
      await expect(NoseCheck.load(d)).rejects.toThrow(/config\.json: not valid JSON/);
      writeFileSync(
        join(d, 'config.json'),
        '{"model_version": "1.3.0", "patch": {"side": 0.8, "above": 0.1}, "threshold": 0.94, "face_threshold": 0.5}',
      );
      await expect(NoseCheck.load(d)).rejects.toThrow(/face_threshold is set but face-check\.onnx is missing/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it("takes the check's word only where the face mesh sees a face in the box", async () => {
    const check = await NoseCheck.load(NOSE_CHECK);
    try {
      expect(check.config.face_threshold).toBeDefined();
      const file = [...belowTheNose()][0]!;
      const face = (await checked.analyzeImage(file)).faces[0]!;
      const photo = await decodeImage(file);
      // A plain wall of the photo's size, where the detector's box would hold no face.
      const wall = { ...photo, data: new Uint8Array(photo.data.length).fill(128) };
      expect(await check.facesSeen(photo, [face.box])).toEqual([true]);
      expect(await check.facesSeen(wall, [face.box])).toEqual([false]);
      expect(await check.facesSeen(photo, [face.box, face.box])).toEqual([true, true]);
    } finally {
      await check.dispose();
    }
  });

  it('tells real masks below the nose to pull them up, where the classifier alone mostly passes them', async () => {
    const files = [...belowTheNose()];
    expect(files.length).toBeGreaterThanOrEqual(9);
    const before = await verdicts(alone, files);
    const after = await verdicts(checked, files);
    console.info(`test split, ${files.length} masks below the nose: alone ${JSON.stringify(before)}, checked ${JSON.stringify(after)}`);
    // Measured: the classifier alone says "below the nose" for 1 of 9; with the check, 9 (7 with
    // nose check 1.2.0, whose patch ended just under the nose tip).
    expect(count(before, 'incorrect')).toBeLessThanOrEqual(2);
    expect(count(after, 'incorrect')).toBeGreaterThanOrEqual(8);
  }, 120_000);

  it('leaves masks worn right and bare faces as the classifier called them', async () => {
    const below = belowTheNose();
    const rows = manifest().filter((r) => r.split === 'test' && !below.has(r.path));
    for (const label of ['with_mask', 'without_mask'] as const) {
      const files = rows.filter((r) => r.label === label).map((r) => r.path);
      const before = await verdicts(alone, files);
      const after = await verdicts(checked, files);
      const changed = after.filter((v, i) => v !== before[i]).length;
      console.info(`test split ${label} (${files.length}): ${changed} verdicts changed by the nose check`);
      // A face only ever moves from "mask" to "below the nose", and at most one mask in 300 does
      // (measured: img00244, whose mask's top edge sits at the nose's tip).
      after.forEach((v, i) => {
        if (v !== before[i]) expect([before[i], v]).toEqual(['mask', 'incorrect']);
      });
      expect(changed).toBeLessThanOrEqual(label === 'with_mask' ? 1 : 0);
    }
  }, 180_000);
});

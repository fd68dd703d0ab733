// The shipped classifier is a cascade (training/cascade.py): a distilled network judges every face
// and, inside the same graph, the three-network teacher judges only the faces it is unsure of.
// A face's answer must not depend on which other faces share its frame.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MaskClassifier } from '../../../src/main/vision/classifier';
import { facemaskDataDir, REPO_ROOT } from '../../helpers/paths';

const MODEL = join(REPO_ROOT, 'models', 'facemask-default');

async function crops(side: number): Promise<Uint8Array[]> {
  const files = ['with_mask', 'without_mask'].flatMap((label) => {
    const dir = join(facemaskDataDir(), 'test', label);
    return readdirSync(dir)
      .sort()
      .slice(0, 4)
      .map((f) => join(dir, f));
  });
  const faces = await Promise.all(
    files.map(async (f) => new Uint8Array(await sharp(f).resize(side, side, { fit: 'cover' }).removeAlpha().raw().toBuffer())),
  );
  // A featureless grey square: no network is sure of it, so the teacher has to answer.
  return [...faces, new Uint8Array(side * side * 3).fill(128)];
}

describe('the default classifier as a cascade', () => {
  it('gives each face the same answer alone as in a batch with faces the teacher has to judge', async () => {
    const classifier = await MaskClassifier.load(MODEL);
    try {
      const all = await crops(classifier.cropSize);
      const alone = [];
      for (const crop of all) alone.push((await classifier.classify([crop]))[0]!);
      // The grey square first and last, between faces the first stage is sure of.
      const order = [all.length - 1, ...all.keys()];
      const batched = await classifier.classify(order.map((i) => all[i]!));
      for (const [k, i] of order.entries()) {
        for (const [label, p] of Object.entries(alone[i]!.probabilities)) {
          expect(batched[k]!.probabilities[label], `face ${i}, ${label}`).toBeCloseTo(p, 5);
        }
      }
      // The real faces are judged as labelled: masks first, then bare faces.
      expect(alone.slice(0, 4).map((c) => c.verdict)).toEqual(['mask', 'mask', 'mask', 'mask']);
      expect(alone.slice(4, 8).map((c) => c.verdict)).toEqual(['no_mask', 'no_mask', 'no_mask', 'no_mask']);
    } finally {
      await classifier.dispose();
    }
  });
});

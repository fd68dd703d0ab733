import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaskClassifier } from '../../../src/main/vision/classifier';
import { CONTRACT_MODEL_DIR } from '../../helpers/paths';

// The contract model's logits are 3 x mean(R) for "No Mask" and 3 x mean(B) for "Mask", on the
// normalised input; so plain-colour crops have answers we can compute from the folder's JSON.
const solid = (size: number, rgb: [number, number, number]): Uint8Array => {
  const out = new Uint8Array(size * size * 3);
  for (let i = 0; i < out.length; i += 3) out.set(rgb, i);
  return out;
};
const expectedMask = (r: number, b: number): number => {
  const nr = (r / 255 - 0.5) / 0.5;
  const nb = (b / 255 - 0.5) / 0.5;
  return 1 / (1 + Math.exp(3 * nr - 3 * nb));
};

let classifier: MaskClassifier;
beforeAll(async () => {
  classifier = await MaskClassifier.load(CONTRACT_MODEL_DIR);
});
afterAll(() => classifier.dispose());

describe('classifier on the BEiT-interface contract model', () => {
  it('preprocesses as preprocessor_config.json says and maps labels to verdicts', async () => {
    const [blue] = await classifier.classify([solid(224, [0, 0, 255])]);
    expect(blue!.verdict).toBe('mask');
    expect(blue!.confidence).toBeCloseTo(expectedMask(0, 255), 5);
    expect(blue!.probabilities).toEqual({
      'No Mask': expect.closeTo(1 - expectedMask(0, 255), 5),
      Mask: expect.closeTo(expectedMask(0, 255), 5),
    });
  });

  it('classifies a batch in order in one call', async () => {
    const colours: [number, number, number][] = [
      [255, 0, 0],
      [10, 200, 240],
      [100, 50, 200],
    ];
    const out = await classifier.classify(colours.map((c) => solid(224, c)));
    expect(out.map((c) => c.verdict)).toEqual(['no_mask', 'mask', 'mask']);
    out.forEach((c, i) => {
      expect(c.verdictProbabilities.mask).toBeCloseTo(expectedMask(colours[i]![0], colours[i]![2]), 5);
    });
  });

  it('returns nothing for no crops and rejects a crop of the wrong size', async () => {
    expect(await classifier.classify([])).toEqual([]);
    await expect(classifier.classify([solid(100, [0, 0, 0])])).rejects.toThrow(/expected 224x224x3/);
  });
});

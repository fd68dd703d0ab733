import { describe, expect, it } from 'vitest';
import { evaluate, expectedCalibrationError, rocAuc, type EvalRecord } from '../../../src/cli/metrics';

const rec = (expected: EvalRecord['expected'], predicted: EvalRecord['predicted'], pMask?: number): EvalRecord => ({
  file: 'x', expected, predicted,
  ...(pMask !== undefined ? { pMask, confidence: predicted === 'mask' ? pMask : 1 - pMask } : {}),
});

describe('evaluation metrics', () => {
  it('counts a no-face image as wrong end to end but not on detected faces', () => {
    const r = evaluate([rec('with_mask', 'mask', 0.9), rec('with_mask', 'no_face'), rec('without_mask', 'no_mask', 0.2), rec('without_mask', 'mask', 0.6)], 2);
    expect(r.accuracy).toBe(0.5);
    expect(r.accuracyDetected).toBeCloseTo(2 / 3);
    expect(r.noFaceRate).toBe(0.25);
    expect(r.detectionRate).toEqual({ with_mask: 0.5, without_mask: 1 });
    expect(r.precision.mask).toBe(0.5);
    expect(r.recall.mask).toBe(1);
    expect(r.recall.no_mask).toBe(0.5);
    expect(r.confusion.with_mask).toEqual({ mask: 1, no_mask: 0, incorrect: 0, no_face: 1 });
    expect(r.imagesPerSecond).toBe(2);
  });

  it('computes ROC AUC as the chance a positive outranks a negative', () => {
    expect(rocAuc([0.9, 0.8], [0.1, 0.2])).toBe(1);
    expect(rocAuc([0.1], [0.9])).toBe(0);
    expect(rocAuc([0.5, 0.9], [0.5, 0.1])).toBeCloseTo(0.875);
  });

  it('computes expected calibration error over confidence bins', () => {
    expect(expectedCalibrationError([{ confidence: 0.95, correct: true }, { confidence: 0.95, correct: false }])).toBeCloseTo(0.45);
    expect(expectedCalibrationError([{ confidence: 0.75, correct: true }, { confidence: 0.75, correct: true }, { confidence: 0.75, correct: true }, { confidence: 0.75, correct: false }])).toBeCloseTo(0);
  });
});

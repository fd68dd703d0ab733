import { describe, expect, it } from 'vitest';
import { type EvalRecord, evaluate, expectedCalibrationError, rocAuc, subjectFace, summariseVisits } from '../../../src/cli/metrics';

const rec = (expected: EvalRecord['expected'], predicted: EvalRecord['predicted'], pMask?: number): EvalRecord => ({
  file: 'x',
  expected,
  predicted,
  kiosk: predicted === 'no_face' ? 'no_face' : predicted === 'mask' ? 'pass' : predicted === 'incorrect' ? 'pull_up' : 'refuse',
  ...(pMask !== undefined ? { pMask, confidence: predicted === 'mask' ? pMask : 1 - pMask } : {}),
});

describe('evaluation metrics', () => {
  it('counts a no-face image as wrong end to end but not on detected faces', () => {
    const r = evaluate(
      [rec('with_mask', 'mask', 0.9), rec('with_mask', 'no_face'), rec('without_mask', 'no_mask', 0.2), rec('without_mask', 'mask', 0.6)],
      2,
    );
    expect(r.accuracy).toBe(0.5);
    expect(r.accuracyDetected).toBeCloseTo(2 / 3);
    expect(r.noFaceRate).toBe(0.25);
    expect(r.detectionRate).toEqual({ with_mask: 0.5, without_mask: 1 });
    expect(r.classes).toEqual(['with_mask', 'without_mask']);
    expect(r.precision.mask).toBe(0.5);
    expect(r.recall.mask).toBe(1);
    expect(r.recall.no_mask).toBe(0.5);
    expect(r.confusion.with_mask).toEqual({ mask: 1, no_mask: 0, incorrect: 0, no_face: 1 });
    expect(r.imagesPerSecond).toBe(2);
  });

  it('reports three verdicts: a 3x4 confusion, per-class and balanced recall, and the compliance view', () => {
    const r = evaluate(
      [
        rec('with_mask', 'mask', 0.9),
        rec('with_mask', 'incorrect', 0.3),
        rec('with_mask', 'no_face'),
        rec('with_mask', 'mask', 0.8),
        rec('without_mask', 'no_mask', 0.1),
        rec('without_mask', 'incorrect', 0.2),
        rec('incorrect', 'incorrect', 0.1),
        rec('incorrect', 'no_mask', 0.1),
        rec('incorrect', 'mask', 0.7),
      ],
      1,
    );
    expect(r.classes).toEqual(['with_mask', 'without_mask', 'incorrect']);
    expect(r.confusion.incorrect).toEqual({ mask: 1, no_mask: 1, incorrect: 1, no_face: 0 });
    expect(r.recall).toEqual({ mask: 2 / 3, no_mask: 0.5, incorrect: 1 / 3 });
    expect(r.recallEndToEnd.mask).toBe(0.5);
    expect(r.balancedAccuracy).toBeCloseTo((0.5 + 0.5 + 1 / 3) / 3);
    expect(r.balancedAccuracyDetected).toBeCloseTo((2 / 3 + 0.5 + 1 / 3) / 3);
    // A bare face called "mask below the nose" is still on the right side of the compliance line.
    expect(r.complianceRecall).toEqual({ with_mask: 2 / 3, without_mask: 1, incorrect: 2 / 3 });
    expect(r.complianceRecallEndToEnd).toEqual({ with_mask: 0.5, without_mask: 1, incorrect: 2 / 3 });
    expect(r.balancedComplianceAccuracy).toBeCloseTo((0.5 + 1 + 2 / 3) / 3);
    expect(r.precision.incorrect).toBeCloseTo(1 / 3);
  });

  it('takes the face nearest the crop centre, in face sizes, as the subject', () => {
    const face = (x: number, y: number, side: number, tag: string) => ({ box: { x, y, width: side, height: side }, tag });
    // A bystander's big sharp face at the edge against the subject in the middle.
    expect(subjectFace([face(150, 0, 100, 'edge'), face(80, 80, 40, 'centre')], 200, 200)?.tag).toBe('centre');
    // Large and slightly off-centre beats small and slightly closer.
    expect(subjectFace([face(50, 60, 100, 'large'), face(90, 90, 10, 'tiny')], 200, 200)?.tag).toBe('large');
    expect(subjectFace([], 200, 200)).toBeUndefined();
  });

  it('with a largest offset, takes no bystander for the subject', () => {
    const face = (x: number, y: number, side: number, tag: string) => ({ box: { x, y, width: side, height: side }, tag });
    // The labelled box held a hat: the detector's box sits lower, its centre 0.6 face sizes off.
    expect(subjectFace([face(50, 110, 100, 'subject')], 200, 200, 0.75)?.tag).toBe('subject');
    // Only a neighbour beside an undetected subject: one face size away.
    expect(subjectFace([face(150, 50, 100, 'neighbour')], 200, 200, 0.75)).toBeUndefined();
    expect(subjectFace([face(150, 50, 100, 'neighbour')], 200, 200)?.tag).toBe('neighbour');
  });

  it('summarises visits: outcomes, time to verdict, and what the people left on guidance were asked', () => {
    const s = summariseVisits([
      { outcome: 'pass', msToVerdict: 200, changed: false },
      { outcome: 'pass', msToVerdict: 400, changed: true },
      { outcome: 'guidance', msToVerdict: null, changed: false, guidance: 'step_closer' },
      { outcome: 'guidance', msToVerdict: null, changed: false, guidance: 'face_camera' },
      { outcome: 'guidance', msToVerdict: null, changed: false, guidance: 'step_closer' },
    ]);
    expect(s.n).toBe(5);
    expect(s.shares.pass).toBeCloseTo(0.4);
    expect(s.shares.guidance).toBeCloseTo(0.6);
    expect(s.medianMsToVerdict).toBe(300);
    expect(s.changed).toBeCloseTo(0.2);
    expect(s.guidance.step_closer).toBeCloseTo(2 / 3);
    expect(s.guidance.face_camera).toBeCloseTo(1 / 3);
    expect(s.guidance.too_dark).toBeUndefined();
  });

  it('computes ROC AUC as the chance a positive outranks a negative', () => {
    expect(rocAuc([0.9, 0.8], [0.1, 0.2])).toBe(1);
    expect(rocAuc([0.1], [0.9])).toBe(0);
    expect(rocAuc([0.5, 0.9], [0.5, 0.1])).toBeCloseTo(0.875);
  });

  it('computes expected calibration error over confidence bins', () => {
    expect(
      expectedCalibrationError([
        { confidence: 0.95, correct: true },
        { confidence: 0.95, correct: false },
      ]),
    ).toBeCloseTo(0.45);
    expect(
      expectedCalibrationError([
        { confidence: 0.75, correct: true },
        { confidence: 0.75, correct: true },
        { confidence: 0.75, correct: true },
        { confidence: 0.75, correct: false },
      ]),
    ).toBeCloseTo(0);
  });
});

// Evaluation arithmetic for `scan --eval`: pure functions over (expected, predicted) pairs.
import type { Verdict } from '../main/vision/labels';

export const EVAL_CLASSES = { with_mask: 'mask', without_mask: 'no_mask' } as const satisfies Record<string, Verdict>;
export type EvalClass = keyof typeof EVAL_CLASSES;
export type Prediction = Verdict | 'no_face';

export interface EvalRecord {
  file: string;
  expected: EvalClass;
  predicted: Prediction;
  /** Calibrated probability of the predicted verdict. */
  confidence?: number;
  /** Calibrated probability of "mask", for ROC AUC. */
  pMask?: number;
}

export interface EvalReport {
  n: number;
  nDetected: number;
  /** No-face counts as wrong. */
  accuracy: number;
  /** Over images where a face was found. */
  accuracyDetected: number;
  noFaceRate: number;
  detectionRate: Record<EvalClass, number>;
  precision: Partial<Record<Verdict, number>>;
  recall: Partial<Record<Verdict, number>>;
  /** confusion[expected folder][prediction] = count */
  confusion: Record<EvalClass, Record<Prediction, number>>;
  imagesPerSecond: number;
  /** Over images with a face: how well P(mask) ranks masked above bare faces. */
  rocAuc: number;
  /** Expected calibration error of the verdict confidence, 10 equal-width bins. */
  ece: number;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export function evaluate(records: readonly EvalRecord[], seconds: number): EvalReport {
  const classes = Object.keys(EVAL_CLASSES) as EvalClass[];
  const confusion = Object.fromEntries(
    classes.map((c) => [c, { mask: 0, no_mask: 0, incorrect: 0, no_face: 0 } satisfies Record<Prediction, number>]),
  ) as Record<EvalClass, Record<Prediction, number>>;
  let correct = 0;
  let detected = 0;
  for (const r of records) {
    confusion[r.expected][r.predicted]++;
    if (r.predicted !== 'no_face') detected++;
    if (r.predicted === EVAL_CLASSES[r.expected]) correct++;
  }
  const precision: Partial<Record<Verdict, number>> = {};
  const recall: Partial<Record<Verdict, number>> = {};
  const detectionRate = {} as Record<EvalClass, number>;
  for (const c of classes) {
    const v = EVAL_CLASSES[c];
    const total = records.filter((r) => r.expected === c).length;
    const predictedAsV = classes.reduce((n, other) => n + confusion[other][v], 0);
    precision[v] = ratio(confusion[c][v], predictedAsV);
    recall[v] = ratio(confusion[c][v], total - confusion[c].no_face);
    detectionRate[c] = ratio(total - confusion[c].no_face, total);
  }
  return {
    n: records.length,
    nDetected: detected,
    accuracy: ratio(correct, records.length),
    accuracyDetected: ratio(correct, detected),
    noFaceRate: ratio(records.length - detected, records.length),
    detectionRate,
    precision,
    recall,
    confusion,
    imagesPerSecond: ratio(records.length, seconds),
    ...classifierQuality(records),
  };
}

function classifierQuality(records: readonly EvalRecord[]): { rocAuc: number; ece: number } {
  const scored = records.filter((r) => r.predicted !== 'no_face' && r.pMask !== undefined);
  const positives = scored.filter((r) => EVAL_CLASSES[r.expected] === 'mask').map((r) => r.pMask!);
  const negatives = scored.filter((r) => EVAL_CLASSES[r.expected] !== 'mask').map((r) => r.pMask!);
  return {
    rocAuc: rocAuc(positives, negatives),
    ece: expectedCalibrationError(scored.filter((r) => r.confidence !== undefined).map((r) => ({ confidence: r.confidence!, correct: r.predicted === EVAL_CLASSES[r.expected] }))),
  };
}

/** Probability that a random positive scores above a random negative (ties count half). */
export function rocAuc(positives: readonly number[], negatives: readonly number[]): number {
  if (positives.length === 0 || negatives.length === 0) return 0;
  const all = [...positives.map((s) => ({ s, pos: true })), ...negatives.map((s) => ({ s, pos: false }))].sort((a, b) => a.s - b.s);
  // Mann-Whitney U with average ranks for ties.
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.s === all[i]!.s) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]!.pos) rankSum += avgRank;
    i = j;
  }
  const u = rankSum - (positives.length * (positives.length + 1)) / 2;
  return u / (positives.length * negatives.length);
}

export function expectedCalibrationError(items: readonly { confidence: number; correct: boolean }[], bins = 10): number {
  if (items.length === 0) return 0;
  let total = 0;
  for (let b = 0; b < bins; b++) {
    const lo = b / bins;
    const hi = (b + 1) / bins;
    const inBin = items.filter((x) => (x.confidence > lo && x.confidence <= hi) || (b === 0 && x.confidence === 0));
    if (inBin.length === 0) continue;
    const acc = inBin.filter((x) => x.correct).length / inBin.length;
    const conf = inBin.reduce((a, x) => a + x.confidence, 0) / inBin.length;
    total += (inBin.length / items.length) * Math.abs(acc - conf);
  }
  return total;
}

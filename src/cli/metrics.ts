// Evaluation arithmetic for `scan --eval`: pure functions over (expected, predicted) pairs.
import type { Verdict } from '../main/vision/labels';

export const EVAL_CLASSES = { with_mask: 'mask', without_mask: 'no_mask' } as const satisfies Record<string, Verdict>;
export type EvalClass = keyof typeof EVAL_CLASSES;
export type Prediction = Verdict | 'no_face';

export interface EvalRecord {
  file: string;
  expected: EvalClass;
  predicted: Prediction;
  confidence?: number;
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
  };
}

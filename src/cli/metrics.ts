// Evaluation arithmetic for `scan --eval`: pure functions over (expected, predicted) pairs.
import { type KioskOutcome, outcomeShares } from '../main/compliance/still-decision';
import type { Guidance } from '../shared/screen-states';
import type { Verdict } from '../shared/verdicts';

/** Label folders an evaluation set may hold, and the verdict each one expects. */
export const EVAL_CLASSES = { with_mask: 'mask', without_mask: 'no_mask', incorrect: 'incorrect' } as const satisfies Record<
  string,
  Verdict
>;
export type EvalClass = keyof typeof EVAL_CLASSES;
export type Prediction = Verdict | 'no_face';
export const PREDICTIONS = ['mask', 'no_mask', 'incorrect', 'no_face'] as const satisfies readonly Prediction[];

export interface EvalRecord {
  file: string;
  expected: EvalClass;
  /** The published label, where a label correction (scan --corrections) replaced it in `expected`. */
  published?: EvalClass;
  predicted: Prediction;
  /** Calibrated probability of the predicted verdict. */
  confidence?: number;
  /** Calibrated probability of "mask", for ROC AUC. */
  pMask?: number;
  /** Calibrated probability of "mask below the nose", where the model has that verdict. */
  pIncorrect?: number;
  /** Mean luma of the subject's face crop, 0..1: what the kiosk's "too dark" rule reads. */
  brightness?: number;
  /** What the kiosk would do with this one view, at its own line and view rules. */
  kiosk: KioskOutcome;
  /** With --visits: the first verdict of the image's synthetic visit, and when it came. */
  visit?: VisitOutcome;
}

/** What a synthetic visit (visits.ts) decided for the photo's person. */
export interface VisitOutcome {
  /**
   * The first verdict the photo's person got (pass, refuse, pull_up), or the state the visit
   * ended in. The person is the face nearest the photo's centre, where a labelled data set's crops
   * put the face their label speaks of; other faces in the photo do not count for them.
   */
  outcome: KioskOutcome;
  /** From the first frame to that first verdict; null when none came. */
  msToVerdict: number | null;
  /** The verdict changed side later in the visit (thanked, then refused, or the reverse). */
  changed: boolean;
  /** When the visit ended on guidance: what the person was asked. */
  guidance?: Guidance;
}

/** Per folder, what the kiosk did on the images' synthetic visits. */
export interface VisitSummary {
  n: number;
  /** Share of visits whose first verdict was each outcome (guidance, undecided, no_face: no verdict within the visit). */
  shares: Record<KioskOutcome, number>;
  /** Median time from the first frame to the first verdict, over visits that got one; null if none did. */
  medianMsToVerdict: number | null;
  /** Share of visits whose verdict later changed side. */
  changed: number;
  /** Of the visits that ended on guidance, the share asked each thing. */
  guidance: Partial<Record<Guidance, number>>;
}

export interface EvalReport {
  /** The label folders present in the set, in EVAL_CLASSES order. */
  classes: EvalClass[];
  n: number;
  nDetected: number;
  /** No-face counts as wrong. */
  accuracy: number;
  /** Over images where a face was found. */
  accuracyDetected: number;
  /** Mean over the classes present of their recall, no face counted as wrong. */
  balancedAccuracy: number;
  /** Mean over the classes present of their recall on detected faces. */
  balancedAccuracyDetected: number;
  noFaceRate: number;
  detectionRate: Partial<Record<EvalClass, number>>;
  precision: Partial<Record<Verdict, number>>;
  /** Per expected verdict, on detected faces. */
  recall: Partial<Record<Verdict, number>>;
  /** Per expected verdict, no face counted as wrong. */
  recallEndToEnd: Partial<Record<Verdict, number>>;
  /**
   * What the kiosk does with the answer: "compliant" (mask) or not (no mask, incorrect). Share
   * of each folder's detected faces that got the right side of that line.
   */
  complianceRecall: Partial<Record<EvalClass, number>>;
  /** The same, no face counted as wrong. */
  complianceRecallEndToEnd: Partial<Record<EvalClass, number>>;
  /** Mean over the folders of complianceRecallEndToEnd: balanced accuracy as the kiosk acts. */
  balancedComplianceAccuracy: number;
  /** confusion[expected folder][prediction] = count */
  confusion: Partial<Record<EvalClass, Record<Prediction, number>>>;
  imagesPerSecond: number;
  /** Over images with a face, masked against bare folders: how well P(mask) ranks masked above bare faces. */
  rocAuc: number;
  /** Expected calibration error of the verdict confidence, 10 equal-width bins. */
  ece: number;
  /** Per folder, the share of single images at each kiosk outcome (one view, the kiosk's own line). */
  kioskLine: Partial<Record<EvalClass, Record<KioskOutcome, number>>>;
  /** Per folder, the synthetic visits' outcomes; present when visits were run. */
  visits?: Partial<Record<EvalClass, VisitSummary>>;
}

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function summariseVisits(visits: readonly VisitOutcome[]): VisitSummary {
  return {
    n: visits.length,
    shares: outcomeShares(visits.map((v) => v.outcome)),
    medianMsToVerdict: median(visits.flatMap((v) => (v.msToVerdict === null ? [] : [v.msToVerdict]))),
    changed: ratio(visits.filter((v) => v.changed).length, visits.length),
    guidance: guidanceShares(visits.flatMap((v) => (v.guidance ? [v.guidance] : []))),
  };
}

function guidanceShares(asked: readonly Guidance[]): Partial<Record<Guidance, number>> {
  const shares: Partial<Record<Guidance, number>> = {};
  for (const g of asked) shares[g] = (shares[g] ?? 0) + 1 / asked.length;
  return shares;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

export function evaluate(records: readonly EvalRecord[], seconds: number): EvalReport {
  const classes = (Object.keys(EVAL_CLASSES) as EvalClass[]).filter((c) => records.some((r) => r.expected === c));
  const confusion: Partial<Record<EvalClass, Record<Prediction, number>>> = {};
  for (const c of classes) confusion[c] = { mask: 0, no_mask: 0, incorrect: 0, no_face: 0 };
  let correct = 0;
  let detected = 0;
  for (const r of records) {
    confusion[r.expected]![r.predicted]++;
    if (r.predicted !== 'no_face') detected++;
    if (r.predicted === EVAL_CLASSES[r.expected]) correct++;
  }
  const precision: Partial<Record<Verdict, number>> = {};
  const recall: Partial<Record<Verdict, number>> = {};
  const recallEndToEnd: Partial<Record<Verdict, number>> = {};
  const complianceRecall: Partial<Record<EvalClass, number>> = {};
  const complianceRecallEndToEnd: Partial<Record<EvalClass, number>> = {};
  const detectionRate: Partial<Record<EvalClass, number>> = {};
  for (const c of classes) {
    const v = EVAL_CLASSES[c];
    const row = confusion[c]!;
    const total = PREDICTIONS.reduce((n, p) => n + row[p], 0);
    const found = total - row.no_face;
    const predictedAsV = classes.reduce((n, other) => n + confusion[other]![v], 0);
    precision[v] = ratio(row[v], predictedAsV);
    recall[v] = ratio(row[v], found);
    recallEndToEnd[v] = ratio(row[v], total);
    const rightSide = v === 'mask' ? row.mask : row.no_mask + row.incorrect;
    complianceRecall[c] = ratio(rightSide, found);
    complianceRecallEndToEnd[c] = ratio(rightSide, total);
    detectionRate[c] = ratio(found, total);
  }
  return {
    classes,
    n: records.length,
    nDetected: detected,
    accuracy: ratio(correct, records.length),
    accuracyDetected: ratio(correct, detected),
    balancedAccuracy: mean(classes.map((c) => recallEndToEnd[EVAL_CLASSES[c]]!)),
    balancedAccuracyDetected: mean(classes.map((c) => recall[EVAL_CLASSES[c]]!)),
    noFaceRate: ratio(records.length - detected, records.length),
    detectionRate,
    precision,
    recall,
    recallEndToEnd,
    complianceRecall,
    complianceRecallEndToEnd,
    balancedComplianceAccuracy: mean(classes.map((c) => complianceRecallEndToEnd[c]!)),
    confusion,
    imagesPerSecond: ratio(records.length, seconds),
    ...classifierQuality(records),
    kioskLine: Object.fromEntries(classes.map((c) => [c, outcomeShares(records.filter((r) => r.expected === c).map((r) => r.kiosk))])),
    ...(records.some((r) => r.visit)
      ? {
          visits: Object.fromEntries(
            classes.map((c) => [c, summariseVisits(records.filter((r) => r.expected === c && r.visit).map((r) => r.visit!))]),
          ),
        }
      : {}),
  };
}

function classifierQuality(records: readonly EvalRecord[]): { rocAuc: number; ece: number } {
  const scored = records.filter((r) => r.predicted !== 'no_face' && r.pMask !== undefined);
  const positives = scored.filter((r) => r.expected === 'with_mask').map((r) => r.pMask!);
  const negatives = scored.filter((r) => r.expected === 'without_mask').map((r) => r.pMask!);
  return {
    rocAuc: rocAuc(positives, negatives),
    ece: expectedCalibrationError(
      scored
        .filter((r) => r.confidence !== undefined)
        .map((r) => ({ confidence: r.confidence!, correct: r.predicted === EVAL_CLASSES[r.expected] })),
    ),
  };
}

/**
 * How far from the photo's centre a visit's person's face may lie, in face sizes. A labelled box
 * that includes a hat or hair is centred above the detector's box, up to about 0.6 face sizes; a
 * neighbour's face lies a face size or more away.
 */
export const SUBJECT_MAX_OFFSET = 0.75;

/**
 * The face a labelled crop is about when the detector finds several: the one nearest the
 * crop's centre, distance measured in face sizes, so a large face slightly off-centre wins over
 * a small one in a corner. (The most confident face can be a bystander's.) With `maxOffset` only
 * a face whose centre lies within that many face sizes of the crop's centre counts: a crop
 * widened around its labelled face has that face there, though its labelled box may include a
 * hat or hair that the detector's tighter box leaves out; a neighbour's face lies about a face
 * size or more away.
 */
export function subjectFace<F extends { box: { x: number; y: number; width: number; height: number } }>(
  faces: readonly F[],
  width: number,
  height: number,
  maxOffset = Infinity,
): F | undefined {
  let best: F | undefined;
  let bestCost = Infinity;
  for (const f of faces) {
    const { x, y, width: w, height: h } = f.box;
    const side = Math.max(1, Math.max(w, h));
    const cost = Math.hypot(x + w / 2 - width / 2, y + h / 2 - height / 2) / side;
    if (cost <= maxOffset && cost < bestCost) {
      bestCost = cost;
      best = f;
    }
  }
  return best;
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

// The readable report scan --eval prints without --json: accuracy, per-class figures, the
// confusion, ranking and calibration, the kiosk's line one view each, and the visits.
import { DEFAULT_TRACKER_OPTIONS, type TrackerOptions } from '../main/compliance/tracker';
import { EVAL_CLASSES, type EvalClass, type EvalReport, PREDICTIONS } from './metrics';
import { outcomeShares, pct, visitLine } from './visit-lines';
import type { VisitOptions } from './visits';

export interface ReportContext {
  model: string;
  provider: string;
  skipped: number;
  /** The folders the scan found; one whose every image was skipped has no row in the report. */
  folders: readonly EvalClass[];
  /** The visits run, and the camera's draw; null when none were. */
  visits: { options: VisitOptions; draw: number } | null;
  /** Tracker settings changed from the defaults for the kiosk's line and the visits (empty: none). */
  tracker: Partial<TrackerOptions>;
}

/** What a visit was, as the report's heading for the visits says it. */
function visitHeading({ options: v, draw }: NonNullable<ReportContext['visits']>): string {
  const walk = v.approach ? `a ${v.approach.seconds} s walk up, then ` : '';
  const steps = v.obliging ? ', stepping closer when asked' : '';
  const camera = draw ? `, camera draw ${draw}` : '';
  return `visits (${walk}${v.seconds} s at ${v.fps} fps${steps}${camera}, the first verdict; guidance, undecided and no_face: none came):`;
}

export function evalReportLines(report: EvalReport, c: ReportContext): string[] {
  // The report's own classes, not the folders: a corrections file can move photos into a class
  // that has no folder, and a folder of unreadable images has no photo to count.
  const { classes } = report;
  const unread = c.folders.filter((k) => !classes.includes(k));
  const lines = [
    `model: ${c.model}; provider: ${c.provider}`,
    `images: ${report.n} (${c.skipped} skipped), faces found in ${report.nDetected}`,
    ...unread.map((k) => `${k}/: no readable image`),
    `accuracy (no face counts as wrong): ${pct(report.accuracy)}`,
    `accuracy on images with a face:     ${pct(report.accuracyDetected)}`,
    `balanced accuracy (mean recall):    ${pct(report.balancedAccuracy)} end to end, ${pct(report.balancedAccuracyDetected)} on detected faces`,
    `balanced on the compliance line:    ${pct(report.balancedComplianceAccuracy)} end to end`,
    `no-face rate: ${pct(report.noFaceRate)}; detection rate: ${classes.map((k) => `${k} ${pct(report.detectionRate[k] ?? 0)}`).join(', ')}`,
  ];
  for (const k of classes) {
    const v = EVAL_CLASSES[k];
    lines.push(
      `${v}: precision ${pct(report.precision[v] ?? 0)}, recall ${pct(report.recall[v] ?? 0)} (on detected faces); right side of the compliance line ${pct(report.complianceRecall[k] ?? 0)}`,
    );
  }
  lines.push(`confusion (rows: label, the folder's or a correction's; columns: ${PREDICTIONS.join(', ')}):`);
  for (const k of classes) lines.push(`  ${k.padEnd(13)} ${PREDICTIONS.map((p) => String(report.confusion[k]![p]).padStart(5)).join(' ')}`);
  lines.push(`ROC AUC ${report.rocAuc.toFixed(4)}; expected calibration error ${report.ece.toFixed(4)}`);
  const tracker = { ...DEFAULT_TRACKER_OPTIONS, ...c.tracker };
  if (Object.keys(c.tracker).length > 0) lines.push(`tracker settings changed: ${JSON.stringify(c.tracker)}`);
  lines.push(`at the kiosk's line, one view each (pass at P(mask) >= ${tracker.compliantAt}, refuse at <= ${tracker.violationAt}):`);
  const images = (k: EvalClass): number => Object.values(report.confusion[k]!).reduce((a, b) => a + b, 0);
  for (const k of classes) lines.push(`  ${k.padEnd(13)} ${images(k)} images: ${outcomeShares(report.kioskLine[k]!, images(k))}`);
  if (report.visits && c.visits) {
    lines.push(visitHeading(c.visits));
    for (const k of classes) lines.push(visitLine(k, report.visits[k]!));
  }
  lines.push(`speed: ${report.imagesPerSecond.toFixed(1)} images/s`);
  return lines;
}

// `npm run scan -- --eval` on a labelled folder, as users run it, its report logged for the record.
import { expect } from 'vitest';
import type { EvalReport } from '../../src/cli/metrics';
import { runCli } from './cli';

/** One image's line of the scan's JSON output: what is needed to group the results. */
export interface ScannedImage {
  file: string;
  expected: string;
  kiosk: string;
}

export function evaluateSet(dir: string, name: string, extra: string[] = []): EvalReport {
  return evaluateSetImages(dir, name, extra).report;
}

/** As evaluateSet, with each image's own line (an image the scan could not read has none). */
export function evaluateSetImages(dir: string, name: string, extra: string[] = []): { report: EvalReport; images: ScannedImage[] } {
  const r = runCli('src/cli/scan.ts', ['--eval', dir, '--json', ...extra], 400_000);
  expect(r.status, r.stderr).toBe(0);
  const report = JSON.parse(r.lines.at(-1)!) as EvalReport;
  const images = r.lines
    .slice(0, -1)
    .map((l) => JSON.parse(l) as Partial<ScannedImage>)
    .filter((l): l is ScannedImage => l.kiosk !== undefined);
  const {
    n,
    accuracy,
    accuracyDetected,
    balancedAccuracy,
    balancedComplianceAccuracy,
    recall,
    confusion,
    detectionRate,
    kioskLine,
    visits,
  } = report;
  console.info(
    `default model on ${name}: ${JSON.stringify({ n, accuracy, accuracyDetected, balancedAccuracy, balancedComplianceAccuracy, recall, detectionRate, confusion, kioskLine, visits })}`,
  );
  return { report, images };
}

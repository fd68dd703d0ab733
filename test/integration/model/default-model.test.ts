// The shipped default classifier, held to its bars on the untouched test split, end to end
// through the same CLI evaluation users run (detect, crop, classify; no face counts as wrong).
import { describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli';
import { DATA_DIR, REPO_ROOT } from '../../helpers/paths';
import { readModelFolder } from '../../../src/main/vision/model-folder';

const MODEL = join(REPO_ROOT, 'models', 'facemask-default');

describe('default classifier (models/facemask-default)', () => {
  it('is a small, calibrated model folder in the Optimum layout', () => {
    const folder = readModelFolder(MODEL);
    expect(statSync(folder.modelPath).size).toBeLessThanOrEqual(10 * 1024 * 1024);
    expect(folder.preprocessing.inputSize).toBeLessThanOrEqual(160);
    expect(folder.temperature).toBeGreaterThan(0);
    expect(folder.temperature).not.toBe(1);
    const training = JSON.parse(readFileSync(join(MODEL, 'training.json'), 'utf8')) as { parameters: number };
    expect(training.parameters).toBeLessThanOrEqual(5_000_000);
  });

  it('meets its accuracy bars on the test split, end to end', () => {
    const r = runCli('src/cli/scan.ts', ['--eval', join(DATA_DIR, 'test'), '--json'], 300_000);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.lines.at(-1)!) as { accuracy: number; accuracyDetected: number; n: number; detectionRate: Record<string, number>; imagesPerSecond: number };
    console.info(`default model on test: ${JSON.stringify({ accuracy: summary.accuracy, accuracyDetected: summary.accuracyDetected, detectionRate: summary.detectionRate, n: summary.n, imagesPerSecond: summary.imagesPerSecond })}`);
    expect(summary.n).toBe(609);
    expect(summary.accuracyDetected).toBeGreaterThanOrEqual(0.985);
    expect(summary.accuracy).toBeGreaterThanOrEqual(0.96);
  }, 300_000);
});

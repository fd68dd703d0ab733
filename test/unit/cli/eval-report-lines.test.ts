// The readable report of scan --eval: the kiosk's line one view each, counted in images, at the
// line of the tracker settings the scan ran with.
import { describe, expect, it } from 'vitest';
import { evalReportLines, type ReportContext } from '../../../src/cli/eval-report-lines';
import { type EvalRecord, evaluate } from '../../../src/cli/metrics';

const record = (expected: EvalRecord['expected'], kiosk: EvalRecord['kiosk'], pMask: number): EvalRecord => ({
  file: 'x',
  expected,
  predicted: pMask >= 0.5 ? 'mask' : 'no_mask',
  pMask,
  confidence: Math.max(pMask, 1 - pMask),
  kiosk,
});

const report = evaluate(
  [
    record('with_mask', 'pass', 0.95),
    record('with_mask', 'pass', 0.9),
    record('with_mask', 'undecided', 0.6),
    record('without_mask', 'refuse', 0.1),
    record('without_mask', 'guidance', 0.2),
  ],
  1,
);
const context: ReportContext = {
  model: 'm',
  provider: 'cpu',
  skipped: 0,
  folders: ['with_mask', 'without_mask'],
  visits: null,
  tracker: {},
};

describe("scan --eval's readable report", () => {
  it("counts each folder's images at the kiosk's line beside their shares", () => {
    const lines = evalReportLines(report, context);
    const at = lines.findIndex((l) => l.startsWith("at the kiosk's line"));
    expect(lines[at]).toBe("at the kiosk's line, one view each (pass at P(mask) >= 0.7, refuse at <= 0.3):");
    expect(lines[at + 1]).toBe(
      '  with_mask     3 images: pass 2 (66.7%), refuse 0 (0.0%), pull_up 0 (0.0%), guidance 0 (0.0%), undecided 1 (33.3%), no_face 0 (0.0%)',
    );
    expect(lines[at + 2]).toMatch(/^ {2}without_mask {2}2 images: pass 0 \(0\.0%\), refuse 1 \(50\.0%\), .*guidance 1 \(50\.0%\)/);
    expect(lines.some((l) => l.startsWith('tracker settings changed'))).toBe(false);
  });

  it('names the tracker settings changed, and the line they put the kiosk at', () => {
    const lines = evalReportLines(report, { ...context, tracker: { compliantAt: 0.8, minFaceWidth: 0.2 } });
    const at = lines.findIndex((l) => l.startsWith("at the kiosk's line"));
    expect(lines[at - 1]).toBe('tracker settings changed: {"compliantAt":0.8,"minFaceWidth":0.2}');
    expect(lines[at]).toBe("at the kiosk's line, one view each (pass at P(mask) >= 0.8, refuse at <= 0.3):");
  });

  it('gives photos a corrections file moves into a class without a folder their own rows', () => {
    const corrected = evaluate(
      [
        record('with_mask', 'pass', 0.95),
        { ...record('incorrect', 'pull_up', 0.9), predicted: 'incorrect', published: 'with_mask' },
        record('without_mask', 'refuse', 0.1),
      ],
      1,
    );
    const lines = evalReportLines(corrected, context);
    const confusion = lines.findIndex((l) => l.startsWith('confusion'));
    expect(lines.slice(confusion + 1, confusion + 4).map((l) => l.trim().split(/\s+/)[0])).toEqual([
      'with_mask',
      'without_mask',
      'incorrect',
    ]);
    expect(lines).toContain(
      '  incorrect     1 images: pass 0 (0.0%), refuse 0 (0.0%), pull_up 1 (100.0%), guidance 0 (0.0%), undecided 0 (0.0%), no_face 0 (0.0%)',
    );
  });

  it('says which folder had no readable image instead of failing on it', () => {
    const bareOnly = evaluate([record('without_mask', 'refuse', 0.1)], 1);
    const lines = evalReportLines(bareOnly, { ...context, skipped: 2 });
    expect(lines.slice(1, 3)).toEqual(['images: 1 (2 skipped), faces found in 1', 'with_mask/: no readable image']);
    expect(lines.filter((l) => l.startsWith('  with_mask'))).toEqual([]);
  });
});

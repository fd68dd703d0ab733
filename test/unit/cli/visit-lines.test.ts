import { describe, expect, it } from 'vitest';
import { summariseVisits } from '../../../src/cli/metrics';
import { visitLine } from '../../../src/cli/visit-lines';

describe('the visit line scan and replay print', () => {
  it('gives each outcome as a count of visits beside its share, the time to a verdict and what the rest were asked', () => {
    const line = visitLine(
      'with_mask',
      summariseVisits([
        { outcome: 'pass', msToVerdict: 200, changed: false },
        { outcome: 'pass', msToVerdict: 400, changed: false },
        { outcome: 'refuse', msToVerdict: 200, changed: true },
        { outcome: 'guidance', msToVerdict: null, changed: false, guidance: 'step_closer' },
        { outcome: 'no_face', msToVerdict: null, changed: false },
        { outcome: 'no_face', msToVerdict: null, changed: false },
        { outcome: 'no_face', msToVerdict: null, changed: false },
      ]),
    );
    expect(line).toBe(
      '  with_mask     7 visits: pass 2 (28.6%), refuse 1 (14.3%), pull_up 0 (0.0%), guidance 1 (14.3%), undecided 0 (0.0%), ' +
        'no_face 3 (42.9%); median to verdict 0.20 s; changed later 14.3%; guidance asked step_closer 100.0%',
    );
  });
});

// The tracker settings scan and replay take on the command line: names and types of the tracker's own.
import { describe, expect, it } from 'vitest';
import { parseTrackerChanges } from '../../../src/cli/tracker-changes';

describe('tracker changes from the command line', () => {
  it('takes numbers and switches the tracker has, and nothing else changed', () => {
    expect(parseTrackerChanges('{"minFaceWidth": 0.2, "incorrectIsViolation": false}')).toEqual({
      changes: { minFaceWidth: 0.2, incorrectIsViolation: false },
    });
    expect(parseTrackerChanges('{}')).toEqual({ changes: {} });
  });

  it('names what is wrong: not JSON, a setting the tracker lacks, a value of the wrong kind', () => {
    expect(parseTrackerChanges('minFaceWidth=0.2')).toEqual({ problem: '--tracker takes a JSON object, got minFaceWidth=0.2' });
    const unknown = parseTrackerChanges('{"passLine": 0.6}');
    expect('problem' in unknown && unknown.problem).toMatch(/^--tracker \{"passLine": 0.6\}: .*passLine/);
    const wrongKind = parseTrackerChanges('{"compliantAt": "high"}');
    expect('problem' in wrongKind && wrongKind.problem).toMatch(/^--tracker \{"compliantAt": "high"\}: compliantAt: /);
    const notObject = parseTrackerChanges('[0.2]');
    expect('problem' in notObject && notObject.problem).toMatch(/^--tracker \[0.2\]: tracker settings: /);
  });
});

// The tracker settings scan and replay take on the command line: names and types of the tracker's own.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/command-line';
import { parseTrackerChanges } from '../../../src/cli/tracker-changes';

describe('tracker changes from the command line', () => {
  it('takes numbers and switches the tracker has, and nothing else changed', () => {
    expect(parseTrackerChanges('{"minFaceWidth": 0.2, "incorrectIsViolation": false}')).toEqual({
      minFaceWidth: 0.2,
      incorrectIsViolation: false,
    });
    expect(parseTrackerChanges('{}')).toEqual({});
  });

  it('names what is wrong, as a usage error: not JSON, a setting the tracker lacks, a value of the wrong kind', () => {
    expect(() => parseTrackerChanges('minFaceWidth=0.2')).toThrow(new UsageError('--tracker takes a JSON object, got minFaceWidth=0.2'));
    expect(() => parseTrackerChanges('{"passLine": 0.6}')).toThrow(/^--tracker \{"passLine": 0.6\}: .*passLine/);
    expect(() => parseTrackerChanges('{"compliantAt": "high"}')).toThrow(/^--tracker \{"compliantAt": "high"\}: compliantAt: /);
    expect(() => parseTrackerChanges('[0.2]')).toThrow(/^--tracker \[0.2\]: tracker settings: /);
    expect(() => parseTrackerChanges('[0.2]')).toThrow(UsageError);
  });
});

// The benchmark's command line: how it answers a wrong option. Its timings themselves are not
// tested (they belong to `npm run bench`, not to the test suite).
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';

describe('npm run bench, command line', () => {
  it('lists its options on --help', () => {
    const r = runCli('src/cli/bench.ts', ['--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run bench/);
    expect(r.stdout).toContain('--model DIR');
  });

  it('names an unknown option, a bad count or a missing photo or folder and shows the usage, without a stack trace', () => {
    for (const [args, message] of [
      [['--bogus'], /Unknown option '--bogus'/],
      [['--frames', 'ten'], /--frames must be a whole number from 1 up, got "ten"/],
      [['--soak', '0'], /--soak must be a whole number from 1 up, got "0"/],
      [['--photo', 'no-such-portrait.jpg'], /--photo no-such-portrait\.jpg: no such file/],
      [['--data', 'no-such-split'], /--data no-such-split: no such folder/],
    ] as const) {
      const r = runCli('src/cli/bench.ts', [...args]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('Usage: npm run bench');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

// npm run replay: visits recorded by scan --visits --record, decided again with other tracker
// settings. Real test-split photos walked up through the real pipeline once, then replayed.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';
import { REPO_ROOT, SCRATCH_DIR, sample } from '../../helpers/paths';

const dir = join(SCRATCH_DIR, 'replay-cli');
const recording = join(dir, 'visits.jsonl');
let scanned: { file: string; visit: { outcome: string } }[] = [];

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const [label, rows] of [
    ['with_mask', sample('test', 'with_mask', 2)],
    ['without_mask', sample('test', 'without_mask', 2)],
  ] as const) {
    mkdirSync(join(dir, 'set', label), { recursive: true });
    for (const r of rows) copyFileSync(r.path, join(dir, 'set', label, basename(r.path)));
  }
  const r = runCli('src/cli/scan.ts', ['--eval', join(dir, 'set'), '--visits', '--json', '--record', recording]);
  expect(r.status, r.stderr).toBe(0);
  scanned = r.lines.slice(0, -1).map((l) => JSON.parse(l));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const replay = (args: string[]) => runCli('src/cli/replay.ts', args);
/** A recording's visits, one parsed JSON line each. */
const recordedLines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('npm run replay', () => {
  it('records every frame of each visit, and decides them again as the scan did with the defaults', () => {
    const lines = recordedLines(recording);
    expect(lines.map((l) => [l.file, l.visit.outcome])).toEqual(scanned.map((s) => [s.file, s.visit.outcome]));
    for (const l of lines) {
      expect(l.frames).toHaveLength(30);
      expect(l.frames[0].faces[0]).toMatchObject({ pMask: expect.any(Number), box: { width: expect.any(Number) } });
    }
    // The nose check's readings are recorded with its own line for holding a thank-you, so a
    // replay waits where the kiosk waited.
    const { doubt_at } = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'nose-check', 'config.json'), 'utf8'));
    const read = lines
      .flatMap((l) => l.frames.flatMap((f: { faces: { noseUncovered: number | null }[] }) => f.faces))
      .filter((f) => f.noseUncovered !== null);
    expect(read.length).toBeGreaterThan(0);
    for (const f of read) expect(f).toMatchObject({ noseDoubtAt: doubt_at });
    const r = replay([recording, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const [defaults] = r.lines.map((l) => JSON.parse(l));
    expect(defaults.same).toBe(4);
    // Clean, frontal test-split faces: the masks thanked, the bare faces refused.
    expect(defaults.visits.with_mask.shares.pass).toBe(1);
    expect(defaults.visits.without_mask.shares.refuse).toBe(1);
  });

  it('decides with the settings given: nobody judged when every face is too small', () => {
    const r = replay([recording, '--tracker', '{}', '--tracker', '{"minFaceWidth": 0.95}']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.lines[0]).toBe('the defaults: 4 of 4 visits decide as recorded (the same verdict at the same moment)');
    expect(r.lines).toContain('{"minFaceWidth":0.95}: 0 of 4 visits decide as recorded (the same verdict at the same moment)');
    const far = r.lines.slice(
      r.lines.indexOf('{"minFaceWidth":0.95}: 0 of 4 visits decide as recorded (the same verdict at the same moment)'),
    );
    expect(
      far.filter((l) => l.includes('2 visits: pass 0 (0.0%)') && l.includes('guidance 2 (100.0%)') && l.includes('step_closer 100.0%')),
    ).toHaveLength(2);
  });

  it('marks a recording whose visitors stepped closer when asked, and warns when other settings replay it', () => {
    const followed = join(dir, 'followed.jsonl');
    const r = runCli('src/cli/scan.ts', ['--eval', join(dir, 'set'), '--visits', '--follow-guidance', '--json', '--record', followed]);
    expect(r.status, r.stderr).toBe(0);
    const lines = recordedLines(followed);
    expect(lines.map((l) => l.followsGuidance)).toEqual([true, true, true, true]);
    // The defaults are the tracker the steps followed: nothing to say.
    const same = replay([followed]);
    expect(same.status, same.stderr).toBe(0);
    expect(same.stderr).toBe('');
    expect(same.lines[0]).toBe('the defaults: 4 of 4 visits decide as recorded (the same verdict at the same moment)');
    const other = replay([followed, '--tracker', '{"compliantAt": 0.65}']);
    expect(other.status, other.stderr).toBe(0);
    expect(other.stderr).toMatch(/made with --follow-guidance: .*replay keeps those steps/);
    // A standing recording carries no such mark.
    expect(readFileSync(recording, 'utf8')).not.toContain('followsGuidance');
  }, 120_000);

  it('says what is wrong with a bad setting or a recording cut short', () => {
    const unknown = replay([recording, '--tracker', '{"passLine": 0.6}']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--tracker \{"passLine": 0.6\}: .*passLine/);
    const cut = join(dir, 'cut.jsonl');
    const text = readFileSync(recording, 'utf8');
    writeFileSync(cut, text.slice(0, Math.floor(text.length / 2)));
    const r = replay([cut]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cut\.jsonl, line \d+: not JSON \(a recording cut short\?\)/);
    // A recording from before checks named their doubt line replays, with a word on what it lacks.
    const old = join(dir, 'unlined.jsonl');
    writeFileSync(old, text.replaceAll(/,"noseDoubtAt":(?:[0-9.]+|null)/g, ''));
    expect(readFileSync(old, 'utf8')).not.toContain('noseDoubtAt');
    const unlined = replay([old]);
    expect(unlined.status, unlined.stderr).toBe(0);
    expect(unlined.stderr).toMatch(/carry no doubt line .*--tracker '\{"noseDoubtAt": 0\.94\}'/);
    expect(replay([recording]).stderr).toBe('');
  });
});

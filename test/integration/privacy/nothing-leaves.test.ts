// Nothing leaves the lobby PC: every process of the product that loads a model runs here with a
// throwaway HOME and without ORT_DISABLE_TELEMETRY in its environment (the product must set it
// itself), inside a network namespace where every DNS question and connection is seen (where
// the machine allows one; see test/helpers/offline.ts). ONNX Runtime left alone records a device
// id under ~/.cache/Microsoft and looks up Microsoft's collector some seconds after its first
// session: the control shows the probe catches exactly that.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isolation, runIsolated } from '../../helpers/offline';
import { DETECTOR_DIR, facemaskDataDir, REPO_ROOT, sample } from '../../helpers/paths';

const scratch = mkdtempSync(join(tmpdir(), 'privacy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// ONNX Runtime keeps quiet where one of these says it runs under CI (the names are in its
// library), so with them the control sees nothing and the other tests prove nothing. A lobby PC
// has none of them: the processes here run without them too.
const CI_MARKERS = [
  'CI',
  'TF_BUILD',
  'GITHUB_ACTIONS',
  'GITLAB_CI',
  'CIRCLECI',
  'TRAVIS',
  'JENKINS_URL',
  'CODEBUILD_BUILD_ID',
  'BUILDKITE',
  'TEAMCITY_VERSION',
  'APPVEYOR',
  'BITBUCKET_BUILD_NUMBER',
];

let homes = 0;
/** A fresh HOME and an environment that does not turn ONNX Runtime's telemetry off, as on a lobby PC. */
function throwawayHome(): { home: string; env: NodeJS.ProcessEnv } {
  const home = join(scratch, `home-${homes++}`);
  mkdirSync(home);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env.ORT_DISABLE_TELEMETRY;
  delete env.XDG_CACHE_HOME;
  for (const name of CI_MARKERS) delete env[name];
  return { home, env };
}
const microsoftCache = (home: string) => join(home, '.cache', 'Microsoft');
const tsx = (entry: string, ...args: string[]) => ['--import', 'tsx', join(REPO_ROOT, entry), ...args];
// ONNX Runtime's first look-up of its collector came 8-9 s after start on a 2-core AMD EPYC, alone;
// the window leaves room for a loaded machine.
const TELEMETRY_WINDOW_MS = 20_000;
const isolated = isolation.available ? '' : ` (not isolated: ${isolation.reason}; only the disk is checked)`;

describe.concurrent('nothing leaves the lobby PC', { timeout: 120_000 }, () => {
  it.skipIf(!isolation.available)('the probe sees ONNX Runtime call home when nothing turns its telemetry off (control)', async () => {
    const { home, env } = throwawayHome();
    const model = join(DETECTOR_DIR, 'model.onnx');
    const run = await runIsolated(
      process.execPath,
      [join(REPO_ROOT, 'test', 'fixtures', 'privacy', 'onnxruntime-unguarded.cjs'), model, String(TELEMETRY_WINDOW_MS)],
      { env },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.contacts).toContain('dns mobile.events.data.microsoft.com');
    expect(existsSync(microsoftCache(home))).toBe(true);
  });

  it(`a kiosk day (vision engine process, tracker, log with snapshots, CSV export) contacts nothing${isolated}`, async () => {
    const { home, env } = throwawayHome();
    const userData = join(home, 'kiosk');
    mkdirSync(userData);
    const [bare] = sample('test', 'without_mask', 1);
    const [masked] = sample('test', 'with_mask', 1);
    const run = await runIsolated(
      process.execPath,
      tsx('test/fixtures/privacy/kiosk-day.ts', userData, String(TELEMETRY_WINDOW_MS), bare!.path, masked!.path),
      { env },
    );
    expect(run.status, run.stderr).toBe(0);
    const day = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { frames: number; violations: number; snapshot: boolean };
    expect(day.frames).toBeGreaterThan(50);
    expect(day.violations).toBeGreaterThan(0);
    expect(day.snapshot).toBe(true);
    if (run.contacts) expect(run.contacts).toEqual([]);
    expect(existsSync(microsoftCache(home))).toBe(false);
  });

  it(`scan, bench and export-crops contact nothing and leave no ONNX Runtime device id${isolated}`, async () => {
    const images = sample('test', 'with_mask', 2).map((r) => r.path);
    const data = join(scratch, 'crops-in');
    for (const label of ['with_mask', 'without_mask'] as const) {
      mkdirSync(join(data, label), { recursive: true });
      for (const row of sample('test', label, 2)) symlinkSync(row.path, join(data, label, row.file.split('/').at(-1)!));
    }
    const runs = [
      tsx('src/cli/scan.ts', ...images),
      [
        '--expose-gc',
        ...tsx(
          'src/cli/bench.ts',
          '--frames',
          '5',
          '--json',
          '--data',
          join(facemaskDataDir(), 'test'),
          '--out',
          join(scratch, 'bench.json'),
        ),
      ],
      tsx('src/cli/export-crops.ts', '--data', data, '--flat', 'sample', '--out', join(scratch, 'crops-out')),
    ].map(async (args) => {
      const { home, env } = throwawayHome();
      return { home, args, run: await runIsolated(process.execPath, args, { env }) };
    });
    for (const { home, args, run } of await Promise.all(runs)) {
      expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
      if (run.contacts) expect(run.contacts, args.join(' ')).toEqual([]);
      expect(existsSync(microsoftCache(home)), args.join(' ')).toBe(false);
    }
  });
});

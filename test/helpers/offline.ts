// Runs a command in a network namespace of its own whose loopback answers for every address, with
// a probe that records each DNS question and TCP connection the command makes (see
// test/fixtures/privacy/network-probe.ts). Needs Linux, root and unshare; elsewhere the command
// runs as usual and `contacts` is null, so a caller can still check what it wrote to disk.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';
import { runCollecting } from './run-collecting';

const PROBE = join(REPO_ROOT, 'test', 'fixtures', 'privacy', 'network-probe.ts');
// Every IPv4 and IPv6 address becomes local, so whatever the command contacts reaches the probe.
const NAMESPACE_SETUP = 'ip link set lo up && ip route add local 0.0.0.0/0 dev lo && ip -6 route add local ::/0 dev lo';

function checkIsolation(): { available: true } | { available: false; reason: string } {
  if (process.platform !== 'linux') return { available: false, reason: 'network namespaces are Linux only' };
  if (process.getuid?.() !== 0) return { available: false, reason: 'a network namespace needs root' };
  const r = spawnSync('unshare', ['--net', 'sh', '-c', NAMESPACE_SETUP], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return { available: false, reason: `unshare --net failed: ${r.error?.message ?? r.stderr.trim()}` };
  return { available: true };
}

export const isolation = checkIsolation();

export interface IsolatedRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** `dns NAME` or `tcp ADDRESS:PORT` for each attempt to reach out; null when not isolated. */
  contacts: string[] | null;
}

/** Runs `command args` (isolated where possible) with `env`; the probe keeps watching for `watchMs` at least. */
export async function runIsolated(
  command: string,
  args: string[],
  { env, watchMs = 0 }: { env: NodeJS.ProcessEnv; watchMs?: number },
): Promise<IsolatedRun> {
  if (!isolation.available) {
    return { ...(await runCollecting(command, args, { cwd: REPO_ROOT, env })), contacts: null };
  }
  const dir = mkdtempSync(join(tmpdir(), 'offline-'));
  try {
    const report = join(dir, 'report.json');
    const script = `${NAMESPACE_SETUP} && exec "$@"`;
    const probe = [process.execPath, '--import', 'tsx', PROBE, report, String(watchMs), '--', command, ...args];
    const { status, stderr } = await runCollecting('unshare', ['--net', 'sh', '-c', script, 'sh', ...probe], { cwd: REPO_ROOT, env });
    if (status !== 0) throw new Error(`the network probe failed (${status}): ${stderr}`);
    return JSON.parse(readFileSync(report, 'utf8')) as IsolatedRun;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

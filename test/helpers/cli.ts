// Runs a CLI entry point the way `npm run` does, capturing its output.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  lines: string[];
}

export function runCli(entry: string, args: string[], timeoutMs = 120_000): CliResult {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, entry), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    lines: result.stdout.split('\n').filter((l) => l.trim() !== ''),
  };
}

// Runs a command to its end and keeps what it printed, for helpers that report a child's output
// whole (the offline runner, the network probe).
import { type SpawnOptions, spawn } from 'node:child_process';

export interface CollectedRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export async function runCollecting(command: string, args: string[], options: SpawnOptions = {}): Promise<CollectedRun> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { status, stdout, stderr };
}

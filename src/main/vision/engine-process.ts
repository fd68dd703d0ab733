// How the kiosk sees its vision engine process, whichever way it was started: Electron's
// utilityProcess in the app (src/main/app/utility-engine.ts), a Node child process here.
import { fork, type Serializable } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EngineRequest } from './engine-messages';
import { FrameSlots } from './frame-slots';

export interface EngineProcess {
  /** Undefined until the operating system has started it. */
  readonly pid: number | undefined;
  /** Throws when the channel has closed (the process is gone). */
  send(request: EngineRequest): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Once, when the process has ended: its exit code, or the signal that ended it. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Ends it at once (SIGKILL): a process stuck in a native call never reads a polite request. */
  kill(): void;
}

export interface EngineLaunch {
  /** Node/V8 flags for the engine process (heap limits). */
  execArgv: string[];
}

export type EngineLauncher = (launch: EngineLaunch) => EngineProcess;

/**
 * Starts the engine as a Node child process. `entry` is the built engine-entry.js, or the .ts
 * source (tests, CLI), which runs through tsx's loader. `args` reach the entry's process.argv;
 * `execArgv` adds Node flags (the soak benchmark's --expose-gc).
 */
export function forkEngine(entry: URL, { args = [], execArgv: extra = [] }: { args?: string[]; execArgv?: string[] } = {}): EngineLauncher {
  const loader = entry.pathname.endsWith('.ts') ? ['--import', tsxLoader()] : [];
  return ({ execArgv }) => {
    const slots = FrameSlots.create();
    const child = fork(fileURLToPath(entry), args, {
      execArgv: [...loader, ...extra, ...execArgv],
      // Structured clone for the messages; frames wait in shared memory where there is some.
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...slots?.env },
    });
    // A send into a channel that closed under it (the engine died) is reported by onExit.
    child.on('error', () => undefined);
    child.on('message', (reply: unknown) => slots?.replied(reply));
    child.once('exit', () => slots?.close());
    return {
      get pid() {
        return child.pid;
      },
      send: (request) => {
        if (!child.connected) throw new Error('the vision engine process has gone');
        child.send((slots?.encode(request) ?? request) as Serializable);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.once('exit', listener),
      kill: () => {
        child.kill('SIGKILL');
      },
    };
  };
}

/** tsx's ESM loader, by file URL, so the engine resolves it whatever its working directory. */
function tsxLoader(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const main = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: { '.': string } }).exports['.'];
  return pathToFileURL(join(dirname(manifest), main)).href;
}

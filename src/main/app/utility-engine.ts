// Starts the vision engine as an Electron utility process: a Node process of the app's own, with
// no window and no Electron APIs, that the OS reports under the app's name. Messages cross
// Electron's parent port with the same protocol as the Node child process of the preview and tests,
// and frames cross the same way (shared memory on Linux, see frame-slots.ts).

import { fileURLToPath } from 'node:url';
import { utilityProcess } from 'electron';
import type { EngineLauncher } from '../vision/engine-process';
import { FrameSlots } from '../vision/frame-slots';

export function utilityEngine(entry: URL): EngineLauncher {
  return ({ execArgv }) => {
    // Frames cross in shared memory as with the Node child process the benchmark measures.
    const slots = FrameSlots.create();
    const child = utilityProcess.fork(fileURLToPath(entry), [], {
      serviceName: 'Mask Kiosk vision engine',
      execArgv,
      stdio: 'inherit',
      env: { ...process.env, ...slots?.env },
    });
    let exited = false;
    child.once('exit', () => {
      exited = true;
      slots?.close();
    });
    child.on('message', (reply: unknown) => slots?.replied(reply));
    return {
      get pid() {
        return child.pid;
      },
      send: (request) => {
        if (exited) throw new Error('the vision engine process has gone');
        child.postMessage(slots?.encode(request) ?? request);
      },
      onMessage: (listener) => child.on('message', listener),
      // Electron reports only the code; a crash by signal shows as a non-zero code.
      onExit: (listener) => child.once('exit', (code) => listener(code, null)),
      kill: () => {
        // utilityProcess.kill() asks politely (SIGTERM on POSIX); a hung native call needs SIGKILL.
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
        else child.kill();
      },
    };
  };
}

// Starts the vision engine as an Electron utility process: a Node process of the app's own, with
// no window and no Electron APIs, that the OS reports under the app's name. Messages cross
// Electron's parent port with the same protocol as the Node child process of the preview and tests.

import { fileURLToPath } from 'node:url';
import { utilityProcess } from 'electron';
import type { EngineLauncher } from '../vision/engine-process';

export function utilityEngine(entry: URL): EngineLauncher {
  return ({ execArgv }) => {
    const child = utilityProcess.fork(fileURLToPath(entry), [], { serviceName: 'Mask Kiosk vision engine', execArgv, stdio: 'inherit' });
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (request) => {
        if (exited) throw new Error('the vision engine process has gone');
        child.postMessage(request);
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

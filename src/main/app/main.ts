// Electron entry: one instance, kiosk window, IPC wired to the core, and unattended-operation
// care: display kept awake, renderer crashes reloaded (error screen after repeated ones), and
// an uncaught exception in main logged before the app relaunches.
import { app, BrowserWindow, dialog, powerSaveBlocker } from 'electron';
import { createKioskCore, type KioskCore } from './core';
import { setupIpc } from './ipc';
import { modelsDir } from './paths';
import { createKioskWindow, registerAppScheme, setupSession } from './window';
import { CrashPolicy } from './policy';
import type { DispatchStats } from './ipc-dispatch';
import { AppLog } from '../log/app-log';
import { join } from 'node:path';

const stats: DispatchStats = { rejected: 0, failed: 0 };
const crashes = new CrashPolicy();
let core: KioskCore | null = null;
let kioskWindow: BrowserWindow | null = null;
/** Set only by the admin's "leave kiosk mode": closing the window any other way is refused. */
let leaving = false;
let appLog: AppLog | null = null;

function fatal(where: string, err: unknown): void {
  const message = `main: ${where}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
  console.error(message);
  appLog?.write('error', `${message}; relaunching`);
  app.relaunch();
  app.exit(1);
}
process.on('uncaughtException', (err) => fatal('uncaught exception', err));
process.on('unhandledRejection', (err) => fatal('unhandled rejection', err));

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  app.on('second-instance', () => kioskWindow?.focus());
  app.whenReady().then(start).catch((err: unknown) => fatal('start', err));
}

async function start(): Promise<void> {
  appLog = new AppLog(join(app.getPath('userData'), 'logs'));
  setupSession();
  core = await createKioskCore({
    appLog,
    modelsDir: modelsDir(),
    // Built beside main.js from src/main/vision/vision-worker.ts (electron.vite.config.ts).
    visionWorker: new URL('./vision-worker.js', import.meta.url),
    userDataDir: app.getPath('userData'),
    productName: 'Mask Kiosk',
    version: app.getVersion(),
    chooseSavePath: async (name) => {
      const options = { defaultPath: name, filters: [{ name: 'CSV', extensions: ['csv'] }] };
      const r = kioskWindow ? await dialog.showSaveDialog(kioskWindow, options) : await dialog.showSaveDialog(options);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    exitKiosk: () => {
      leaving = true;
      app.quit();
    },
    onSettingsChanged: (settings) => app.setLoginItemSettings({ openAtLogin: settings.startAtLogin }),
  });
  app.setLoginItemSettings({ openAtLogin: core.settings.startAtLogin });
  setupIpc(core.handlers, (w) => w !== null && w === kioskWindow, stats);
  powerSaveBlocker.start('prevent-display-sleep');
  openWindow();
}

function openWindow(): void {
  const windowed = process.env.MASK_KIOSK_WINDOWED === '1';
  kioskWindow = createKioskWindow({ kiosk: !windowed });
  kioskWindow.on('close', (event) => {
    if (!leaving && !windowed) {
      event.preventDefault();
      appLog?.write('warn', 'window close refused: leave kiosk mode from the admin screen');
    }
  });
  kioskWindow.webContents.on('render-process-gone', (_event, details) => recover(`renderer gone (${details.reason})`));
}

/** Reloads the page after a crash; after repeated ones shows a calm error screen instead. */
function recover(what: string): void {
  const action = crashes.onCrash(Date.now());
  appLog?.write('error', `${what}; crash ${crashes.count} in the last minute; ${action}`);
  if (action === 'reload') kioskWindow?.webContents.reload();
  else void kioskWindow?.loadURL(`data:text/html,${encodeURIComponent(errorScreen())}`);
}

function errorScreen(): string {
  return `<!doctype html><meta charset="utf-8"><title>Mask Kiosk</title>
  <body style="margin:0;height:100vh;display:grid;place-items:center;background:#16202b;color:#fff;font:3vh system-ui,sans-serif;text-align:center">
  <div><h1 style="font-size:6vh">The kiosk is taking a short break</h1><p>Please wear a face mask in this building.</p>
  <p style="opacity:.7;font-size:2vh">Staff: the display stopped several times in a row. Restart the app; the log has the details.</p></div>`;
}

app.on('child-process-gone', (_event, details) => {
  // The GPU process takes the page's drawing with it; other helpers restart on their own.
  if (details.type === 'GPU') recover(`GPU process gone (${details.reason})`);
  else appLog?.write('warn', `child process gone: ${details.type} (${details.reason})`);
});

app.on('window-all-closed', () => {
  void core?.dispose();
  app.quit();
});

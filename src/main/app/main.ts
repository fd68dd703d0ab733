// Electron entry: one instance, kiosk window, IPC wired to the core, and unattended-operation
// care: display kept awake, renderer crashes reloaded (error screen after repeated ones), and
// an uncaught exception in main logged before the app relaunches, with back-off, and after
// repeated ones a calm error screen instead of a restart loop. Native crash dumps stay local.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { app, BrowserWindow, crashReporter, dialog, powerSaveBlocker } from 'electron';
import { eventChannel } from '../../shared/channels';
import { errorMessage } from '../../shared/errors';
import { secondLanguageOf } from '../../shared/settings';
import { keepPrivate } from '../config/private-files';
import { loadSettings } from '../config/settings';
import { createKioskCore, type KioskCore } from '../core/core';
import { runSmokeTest, SMOKE_TEST_FLAG } from '../core/smoke-test';
import { AppLog } from '../log/app-log';
import { setLinuxAutostart } from './autostart';
import { setupIpc } from './ipc';
import { modelsDir } from './paths';
import {
  CrashPolicy,
  type CrashReason,
  crashScreenUrl,
  errorWindowOptions,
  readRestartHistory,
  restartDecision,
  writeRestartHistory,
} from './policy';
import { osSecretBox } from './safe-storage-box';
import { utilityEngine } from './utility-engine';
import { createKioskWindow, registerAppScheme, setupSession } from './window';

const crashes = new CrashPolicy();
let core: KioskCore | null = null;
let kioskWindow: BrowserWindow | null = null;
/** Set only by the admin's "leave kiosk mode": closing the window any other way is refused. */
let leaving = false;
let appLog: AppLog | null = null;
/** app:// pages can be served (the crash page among them). */
let sessionReady = false;

// Dumps of native crashes are kept on this PC for staff or support; nothing is uploaded.
crashReporter.start({ uploadToServer: false });

let failing = false;
function fatal(where: string, err: unknown): void {
  const message = `main: ${where}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
  console.error(message);
  if (failing) return; // one decision per failure, even if more errors follow while it waits
  failing = true;
  const historyFile = join(app.getPath('userData'), 'logs', 'restarts.json');
  const decision = restartDecision(readRestartHistory(historyFile), Date.now());
  writeRestartHistory(historyFile, decision.history);
  if (decision.action === 'relaunch') {
    appLog?.write('error', `${message}; relaunching in ${decision.delayMs / 1000} s (restart ${decision.history.length} in 10 minutes)`);
    setTimeout(() => {
      app.relaunch();
      app.exit(1);
    }, decision.delayMs);
    return;
  }
  appLog?.write(
    'error',
    `${message}; it keeps failing (${decision.history.length} restarts in 10 minutes): staying on the error screen instead of restarting`,
  );
  showErrorScreen('repeated_failure', { count: decision.history.length, detail: errorMessage(err) });
}
process.on('uncaughtException', (err) => fatal('uncaught exception', err));
process.on('unhandledRejection', (err) => fatal('unhandled rejection', err));

const smokeTest = process.argv.includes(SMOKE_TEST_FLAG);
if (smokeTest) {
  // A data folder of its own, so the build machine's test leaves no kiosk state behind.
  app.setPath('userData', mkdtempSync(join(tmpdir(), 'mask-kiosk-smoke-')));
  app
    .whenReady()
    .then(smoke)
    .catch((err: unknown) => {
      console.error(`smoke test failed: ${errorMessage(err)}`);
      app.exit(1);
    });
} else if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  app.on('second-instance', () => kioskWindow?.focus());
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => fatal('start', err));
}

async function smoke(): Promise<void> {
  const smokeCore = await createKioskCore({
    modelsDir: modelsDir(),
    visionEngine: utilityEngine(new URL('./engine-entry.js', import.meta.url)),
    userDataDir: app.getPath('userData'),
    productName: 'Mask Kiosk',
    version: app.getVersion(),
  });
  try {
    console.log(await runSmokeTest(smokeCore));
  } finally {
    await smokeCore.dispose();
  }
  app.exit(0);
}

async function start(): Promise<void> {
  keepPrivate(app.getPath('userData'));
  appLog = new AppLog(join(app.getPath('userData'), 'logs'));
  appLog.write('info', `crash dumps (kept on this PC, never uploaded): ${app.getPath('crashDumps')}`);
  setupSession();
  sessionReady = true;
  core = await createKioskCore({
    appLog,
    modelsDir: modelsDir(),
    // Built beside main.js from src/main/vision/engine/engine-entry.ts (electron.vite.config.ts).
    visionEngine: utilityEngine(new URL('./engine-entry.js', import.meta.url)),
    userDataDir: app.getPath('userData'),
    secretBox: osSecretBox(app.getPath('userData'), (level, message) => appLog?.write(level, message)),
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
    onSettingsChanged: (settings) => setStartAtLogin(settings.startAtLogin),
    // Only the kiosk window hears main's events.
    emit: (event, payload) => kioskWindow?.webContents.send(eventChannel(event), payload),
  });
  setStartAtLogin(core.settings.startAtLogin);
  setupIpc(core, (w) => w !== null && w === kioskWindow);
  powerSaveBlocker.start('prevent-display-sleep');
  openWindow();
}

/** Development only: a normal window instead of kiosk mode. */
function windowed(): boolean {
  return process.env.MASK_KIOSK_WINDOWED === '1';
}

/** In kiosk mode only the admin's "leave kiosk mode" closes the window. */
function refuseClose(window: BrowserWindow): void {
  window.on('close', (event) => {
    if (!leaving && !windowed()) {
      event.preventDefault();
      appLog?.write('warn', 'window close refused: leave kiosk mode from the admin screen');
    }
  });
}

/** How long a page Electron calls unresponsive may stay so before it is crashed and reloaded. */
const RENDERER_HANG_GRACE_MS = 5000;

function openWindow(): void {
  const window = createKioskWindow({ kiosk: !windowed() });
  kioskWindow = window;
  refuseClose(window);
  const contents = window.webContents;
  contents.on('render-process-gone', (_event, details) => recover(`renderer gone (${details.reason})`));
  // A hung page keeps its last screen, a verdict included, for whoever stands there next. Electron
  // says so after some seconds without an answer from the page; a little later it is crashed, and
  // the crash policy reloads it (or shows the calm error screen when it keeps failing).
  let hung: NodeJS.Timeout | null = null;
  contents.on('unresponsive', () => {
    appLog?.write('warn', 'renderer unresponsive');
    hung ??= setTimeout(() => {
      hung = null;
      if (!window.isDestroyed()) contents.forcefullyCrashRenderer();
    }, RENDERER_HANG_GRACE_MS);
  });
  contents.on('responsive', () => {
    if (!hung) return;
    clearTimeout(hung);
    hung = null;
    appLog?.write('info', 'renderer responsive again');
  });
}

function setStartAtLogin(enabled: boolean): void {
  if (process.platform === 'linux') {
    try {
      const file = setLinuxAutostart(enabled, process.env.APPIMAGE ?? process.execPath);
      appLog?.write('info', `start at login ${enabled ? 'on' : 'off'} (${file})`);
    } catch (err) {
      appLog?.write('warn', `start at login: cannot write the autostart entry: ${(err as Error).message}`);
    }
  } else {
    app.setLoginItemSettings({ openAtLogin: enabled });
  }
}

/** Reloads the page after a crash; after repeated ones shows a calm error screen instead. */
function recover(what: string): void {
  const action = crashes.onCrash(Date.now());
  appLog?.write('error', `${what}; crash ${crashes.count} in the last minute; ${action}`);
  if (action === 'reload') kioskWindow?.webContents.reload();
  else showErrorScreen('display_failure', {});
}

/**
 * The calm screen for a kiosk that cannot carry on by itself, in the kiosk's language (the
 * renderer's crash page); opens a window if there is none. Before the app's pages can be served
 * (a failure during start), a plain English page stands in.
 */
function showErrorScreen(reason: CrashReason, values: { count?: number; detail?: string }): void {
  try {
    if (!kioskWindow || kioskWindow.isDestroyed()) {
      kioskWindow = new BrowserWindow(errorWindowOptions(!windowed()));
      refuseClose(kioskWindow);
    }
    const window = kioskWindow;
    const fallback = (): void => void window.loadURL(`data:text/html,${encodeURIComponent(errorScreen(values.detail ?? reason))}`);
    if (sessionReady) window.loadURL(crashScreenUrl(reason, { ...values, ...kioskLanguages() })).catch(fallback);
    else fallback();
  } catch {
    app.exit(1);
  }
}

/** The languages staff chose, read afresh: the core may be the thing that failed. */
function kioskLanguages(): { lang: string; secondLang: string | null } {
  try {
    const { settings } = loadSettings(join(app.getPath('userData'), 'settings.json'));
    return { lang: settings.language, secondLang: secondLanguageOf(settings) };
  } catch {
    return { lang: 'en', secondLang: null };
  }
}

function errorScreen(reason: string): string {
  const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><meta charset="utf-8"><title>Mask Kiosk</title>
  <body style="margin:0;height:100vh;display:grid;place-items:center;background:#16202b;color:#fff;font:3vh system-ui,sans-serif;text-align:center">
  <div><h1 style="font-size:6vh">The kiosk is taking a short break</h1><p>Please wear a face mask in this building.</p>
  <p style="opacity:.7;font-size:2vh">Staff: ${esc(reason)} Restart the app once the cause is fixed; the app log has the details.</p></div>`;
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

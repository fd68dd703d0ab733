// Electron entry: load the core, wire IPC, open the kiosk window.
import { app, BrowserWindow, dialog } from 'electron';
import { createKioskCore, type KioskCore } from './core';
import { setupIpc } from './ipc';
import { modelsDir } from './paths';
import { createKioskWindow } from './window';
import type { DispatchStats } from './ipc-dispatch';

const stats: DispatchStats = { rejected: 0, failed: 0 };
let core: KioskCore | null = null;
let kioskWindow: BrowserWindow | null = null;

app.whenReady().then(async () => {
  core = await createKioskCore({
    modelsDir: modelsDir(),
    userDataDir: app.getPath('userData'),
    chooseSavePath: async (name) => {
      const r = await dialog.showSaveDialog(kioskWindow ?? new BrowserWindow({ show: false }), { defaultPath: name, filters: [{ name: 'CSV', extensions: ['csv'] }] });
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    exitKiosk: () => app.quit(),
    productName: 'Mask Kiosk',
    version: app.getVersion(),
  });
  setupIpc(core.handlers, (w) => w !== null && w === kioskWindow, stats);
  kioskWindow = createKioskWindow({ kiosk: process.env.MASK_KIOSK_WINDOWED !== '1' });
});

app.on('window-all-closed', () => {
  void core?.dispose();
  app.quit();
});

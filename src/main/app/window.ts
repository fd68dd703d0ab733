// The kiosk window: fullscreen, sandboxed, no Node in the page.
import { BrowserWindow } from 'electron';
import { preloadPath, rendererIndex } from './paths';

export function createKioskWindow(options: { kiosk: boolean }): BrowserWindow {
  const win = new BrowserWindow({
    show: false,
    kiosk: options.kiosk,
    fullscreen: options.kiosk,
    backgroundColor: '#101418',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath(),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadFile(rendererIndex());
  return win;
}
